import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { softHeapFlags } from './heap-flags';

describe('softHeapFlags', () => {
  test('both flags where the heap may reach 1 GB or more', () => {
    assert.deepEqual(softHeapFlags([], '', 4144), ['--heap-growing-percent=20', '--max-semi-space-size=4']);
  });

  test('no semi-space flag on a host whose heap limit is under 1 GB', () => {
    assert.deepEqual(softHeapFlags([], '', 560), ['--heap-growing-percent=20']);
  });

  test('a flag node was given wins, in any of its spellings', () => {
    for (const [execArgv, nodeOptions] of [
      [['--max-semi-space-size=8'], ''],
      [['--max_semi_space_size=8'], ''],
      [['--max-semi-space-size', '8'], ''],
      [[], '--require x.js --max-semi-space-size=8'],
      [[], '  --max-semi-space-size 8 '],
    ] as const) {
      assert.deepEqual(softHeapFlags(execArgv, nodeOptions, 4144), ['--heap-growing-percent=20'], `${execArgv.join(' ')} | ${nodeOptions}`);
    }
    assert.deepEqual(softHeapFlags(['--heap-growing-percent=50'], '', 4144), ['--max-semi-space-size=4']);
  });
});

/**
 * In a fresh node process (V8 flags are process-wide): the heap limit, in MB, of the main thread and of worker threads
 * started before and after applySoftHeapFlags, as the Temporal SDK's workflow thread is started after it. A heap's
 * limit includes its young generation, three semi-spaces' worth.
 */
function heapLimits(nodeArgs: string[]): { main: number; before: number; after: number } {
  const script = `
    const v8 = require('node:v8');
    const { Worker } = require('node:worker_threads');
    const { applySoftHeapFlags } = require(${JSON.stringify(require.resolve('./heap-flags'))});
    const limit = () => new Promise((resolve) => {
      const code = 'require("node:worker_threads").parentPort.postMessage(require("node:v8").getHeapStatistics().heap_size_limit / 1048576)';
      const w = new Worker(code, { eval: true });
      w.once('message', (mb) => { resolve(mb); w.terminate(); });
    });
    (async () => {
      const main = v8.getHeapStatistics().heap_size_limit / 1048576;
      const before = await limit();
      applySoftHeapFlags();
      console.log(JSON.stringify({ main, before, after: await limit() }));
    })();`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', ...nodeArgs, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(out) as { main: number; before: number; after: number };
}

test('a workflow thread started after applySoftHeapFlags has the heap node gives it for --max-semi-space-size=4', () => {
  const ours = heapLimits([]);
  const givenOnCommandLine = heapLimits(['--max-semi-space-size=4']);
  const expected = ours.main >= 1024 ? givenOnCommandLine.before : ours.before;
  assert.equal(ours.after, expected, `worker heap limit ${ours.after} MB after, ${ours.before} MB before, ${givenOnCommandLine.before} MB with the flag`);
});

test('a semi-space size given on the command line wins', () => {
  const { before, after } = heapLimits(['--max-semi-space-size=8']);
  assert.equal(after, before);
});
