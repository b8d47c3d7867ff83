import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

/**
 * In a fresh node process (V8 flags are process-wide): the heap limit, in MB, that V8 gives a worker thread started
 * before and after applySoftHeapFlags, as the Temporal SDK's workflow thread is started after it. The limit includes
 * the young generation, three semi-spaces' worth.
 */
function workerHeapLimits(nodeArgs: string[]): { before: number; after: number } {
  const script = `
    const { Worker } = require('node:worker_threads');
    const { applySoftHeapFlags } = require(${JSON.stringify(require.resolve('./heap-flags'))});
    const limit = () => new Promise((resolve) => {
      const code = 'require("node:worker_threads").parentPort.postMessage(require("node:v8").getHeapStatistics().heap_size_limit / 1048576)';
      const w = new Worker(code, { eval: true });
      w.once('message', (mb) => { resolve(mb); w.terminate(); });
    });
    (async () => {
      const before = await limit();
      applySoftHeapFlags();
      console.log(JSON.stringify({ before, after: await limit() }));
    })();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', ...nodeArgs, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(out) as { before: number; after: number };
}

test('threads started after applySoftHeapFlags get 4 MB semi-spaces', () => {
  const { before, after } = workerHeapLimits([]);
  assert.equal(before - after, 3 * (16 - 4), `heap limit ${after} MB after, ${before} MB before`);
});

test('a semi-space size given on the command line wins', () => {
  const { before, after } = workerHeapLimits(['--max-semi-space-size=8']);
  assert.equal(after, before);
});
