import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection } from '@temporalio/client';

// The server lists the partitions tasks are written to; polls read the same number (both are set together).
test('the dev server (the one npm start and the tests run) keeps one partition per task queue', async () => {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  assert.ok(address, 'TEST_TEMPORAL_ADDRESS is set: run the tests through npm test');
  const connection = await Connection.connect({ address });
  try {
    const partitions = await connection.workflowService.listTaskQueuePartitions({ namespace: 'default', taskQueue: { name: 'any-task-queue' } });
    assert.equal(partitions.workflowTaskQueuePartitions?.length, 1, JSON.stringify(partitions.workflowTaskQueuePartitions));
    assert.equal(partitions.activityTaskQueuePartitions?.length, 1, JSON.stringify(partitions.activityTaskQueuePartitions));
  } finally {
    await connection.close();
  }
});
