import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { MARKETING_GRANTED, US_TOKEN, startTestStack, type TestStack } from './harness';

const WRONG_TOKEN = 'not-a-real-token-31c7';
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ env: { XTREMEPUSH_APP_TOKEN: WRONG_TOKEN } });
});
after(async () => {
  await stack?.close();
});

async function deliveryFailure(userId: string): Promise<ApplicationFailure> {
  const res = await stack.post('/v1/track', { userId, event: 'Signed Up', context: MARKETING_GRANTED });
  assert.equal(res.status, 200);
  const error = await stack.service.deliveries.result(res.body.deliveries[0].workflowId).then(
    () => assert.fail('expected the delivery to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WorkflowFailedError && error.cause instanceof ApplicationFailure, `unexpected ${error}`);
  return error.cause;
}

test('a 401 (unknown token) is not retried and says what to check', async () => {
  const failure = await deliveryFailure('auth-401');
  assert.equal(failure.type, 'auth');
  assert.match(failure.message, /token/i);
  assert.match(failure.message, /region/i);
  assert.match(failure.message, /OAuth/);
  const attempts = stack.simulator.received().filter((r) => (r.body as { user_id?: string }).user_id === 'auth-401');
  assert.deepEqual(
    attempts.map((r) => r.status),
    [401],
  );
  assert.ok(!JSON.stringify(failure).includes(WRONG_TOKEN), 'the token leaked into the failure');
});

test('a 403 (OAuth-only project) is not retried either', async () => {
  stack.simulator.addProject('eu', { name: 'oauth-project', token: WRONG_TOKEN, oauthOnly: true });
  const failure = await deliveryFailure('auth-403');
  assert.equal(failure.type, 'auth');
  const attempts = stack.simulator.received().filter((r) => (r.body as { user_id?: string }).user_id === 'auth-403');
  assert.deepEqual(
    attempts.map((r) => r.status),
    [403],
  );
});

test('a token of the other region is accepted but lands in no project (seed 000: wrong region)', async () => {
  const other = await startTestStack({ env: { XTREMEPUSH_APP_TOKEN: US_TOKEN } });
  try {
    const res = await other.post('/v1/track', { userId: 'wrong-region', event: 'Signed Up', context: MARKETING_GRANTED });
    const result = await other.service.deliveries.result(res.body.deliveries[0].workflowId);
    assert.equal(result.outcome, 'delivered', 'Xtremepush answers success, so the delivery cannot tell');
    assert.equal(other.simulator.received().length, 1);
    assert.equal(other.simulator.received()[0]!.project, null);
    assert.equal(other.simulator.hits().length, 0);
  } finally {
    await other.close();
  }
});
