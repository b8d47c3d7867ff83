import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import type { ReplayResult } from '@temporalio/worker/lib/replay';
import { DeterminismViolationError } from '@temporalio/workflow';
import { decodedPayloads, exportedWorkflowTypes, loadHistoryFixtures, type HistoryFixture } from './history-fixtures';

/**
 * The determinism guard: histories recorded from real executions (test/fixtures/histories, `npm run record-histories`)
 * replayed against the current workflow code. A workflow change that would break executions already running fails
 * here, before it is deployed.
 */

const RERECORD = 'if the change is meant to be incompatible, see the README ("Changing workflows safely")';
const fixtures = loadHistoryFixtures();

// Replay workers log every state change, and Core warns about each nondeterministic replay the guard test provokes on
// purpose: the results below carry every error that matters.
Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' } } } });

/** The workflow code under test: the suite's shared bundle when run by test/run.ts, else bundled from source. */
const currentWorkflows = (): ReplayWorkerOptions =>
  process.env.TEST_WORKFLOW_BUNDLE
    ? { workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE } }
    : { workflowsPath: path.join(__dirname, '../workflows/index.ts') };

async function replay(options: ReplayWorkerOptions, histories: HistoryFixture[]): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  const byWorkflowId = new Map(histories.map((f) => [f.workflowId, f.name]));
  for await (const result of Worker.runReplayHistories(
    options,
    histories.map((f) => ({ workflowId: f.workflowId, history: f.history })),
  )) {
    results.set(byWorkflowId.get(result.workflowId) ?? result.workflowId, result);
  }
  return results;
}

describe('recorded histories', () => {
  test('there is at least one fixture per exported workflow type', () => {
    assert.ok(fixtures.length > 0, 'no fixtures in test/fixtures/histories: run `npm run record-histories`');
    const recorded = new Set(fixtures.map((f) => f.workflowType));
    const exported = exportedWorkflowTypes();
    assert.ok(exported.includes('deliverEvent'), `unexpected workflow exports: ${exported.join(', ')}`);
    const missing = exported.filter((type) => !recorded.has(type));
    assert.deepEqual(missing, [], `no recorded history of ${missing.join(', ')}: add its paths to scripts/record-histories.ts and re-record`);
    const unknown = [...recorded].filter((type) => !exported.includes(type));
    assert.deepEqual(unknown, [], `fixtures of workflow types no longer exported (running executions of them would fail): ${unknown.join(', ')}`);
  });

  test('every workflow id is unique and no App Token is in any history', () => {
    assert.equal(new Set(fixtures.map((f) => f.workflowId)).size, fixtures.length);
    for (const fixture of fixtures) {
      const text = decodedPayloads(fixture.history).join('\n');
      assert.ok(!/apptoken/i.test(text), `${fixture.name}: a payload carries an apptoken`);
    }
  });

  test('every history replays against the current workflow code', async () => {
    const results = await replay(currentWorkflows(), fixtures);
    assert.deepEqual([...results.keys()].sort(), fixtures.map((f) => f.name).sort(), 'every fixture was replayed');
    const failures = [...results].filter(([, r]) => r.error).map(([name, r]) => `${name}: ${r.error!.name}: ${r.error!.message}`);
    assert.deepEqual(failures, [], `the current workflow code cannot replay these recorded histories; ${RERECORD}`);
  });
});

describe('the guard fails on an incompatible change', () => {
  let incompatible: ReplayWorkerOptions;
  before(async () => {
    const bundle = await bundleWorkflowCode({
      workflowsPath: path.join(__dirname, 'fixtures/incompatible-workflows.ts'),
      logger: new DefaultLogger('WARN'),
    });
    incompatible = { workflowBundle: bundle };
  });

  test('deliverEvent with an extra timer before stitching is reported as a DeterminismViolationError', async () => {
    const deliveries = fixtures.filter((f) => f.workflowType === 'deliverEvent');
    assert.ok(deliveries.length > 0);
    const results = await replay(incompatible, deliveries);
    assert.equal(results.size, deliveries.length);
    for (const [name, result] of results) {
      assert.ok(result.error instanceof DeterminismViolationError, `${name}: expected a DeterminismViolationError, got ${result.error?.name ?? 'no error'}`);
    }
  });

  test('the unchanged workflows in the same bundle still replay', async () => {
    const others = fixtures.filter((f) => f.workflowType !== 'deliverEvent');
    const results = await replay(incompatible, others);
    assert.equal(results.size, others.length);
    for (const [name, result] of results) assert.equal(result.error, undefined, `${name}: ${result.error?.message}`);
  });
});
