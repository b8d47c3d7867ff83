import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EU_TOKEN, MARKETING_GRANTED, eventually, send, startTestStack, type TestStack } from './harness';

const exporter = new InMemorySpanExporter();
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ spanProcessor: new SimpleSpanProcessor(exporter) });
});
after(async () => {
  await stack?.close();
});

test('one trace runs from the ingest request through the workflow to the Xtremepush call', async () => {
  const workflowId = await send(stack, '/v1/track', { userId: 'crm-trace', event: 'Order Completed', context: MARKETING_GRANTED });
  assert.equal((await stack.service.deliveries.result(workflowId)).outcome, 'delivered');

  const spans = await eventually(async () => {
    const finished = exporter.getFinishedSpans();
    return finished.some((s) => s.name === 'RunActivity:prepareAndSendFirst') && finished.some((s) => s.name.startsWith('RunWorkflow:deliverEvent'))
      ? finished
      : undefined;
  }, 'the delivery spans');
  const ingest = spans.find((s) => s.name === 'ingest track');
  assert.ok(ingest, `no ingest span among ${spans.map((s) => s.name).join(', ')}`);
  const traceId = ingest.spanContext().traceId;
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
  for (const name of ['StartWorkflow:deliverEvent', 'RunWorkflow:deliverEvent', 'RunActivity:prepareAndSendFirst']) {
    assert.ok(inTrace.includes(name), `${name} is not in the ingest trace: ${inTrace.join(', ')}`);
  }
  assert.ok(!JSON.stringify(spans.map((s) => s.attributes)).includes(EU_TOKEN), 'no token in span attributes');
});
