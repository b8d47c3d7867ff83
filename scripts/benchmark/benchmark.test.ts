import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_VARIANTS } from './ceilings';
import { renderMarkdown } from './report';
import { runBenchmark } from './run';

/**
 * The benchmark's short form as a smoke test: every phase runs against a real dev server, the compiled service and the
 * simulator, and produces its figures. Speeds are not asserted (they belong in BENCHMARKS.md); what every event costs
 * and that every event arrived are.
 */
describe('npm run benchmark -- --short', () => {
  test('runs every phase and reports each figure', { timeout: 240_000 }, async () => {
    const results = await runBenchmark({ short: true, log: () => undefined });

    assert.deepEqual(
      results.engine.map((e) => [e.variant, e.workflows]),
      Object.entries(ENGINE_VARIANTS).map(([variant, { allAtOnce }]) => [variant, allAtOnce ? results.options.events : results.options.engineWorkflows]),
      'every engine-ceiling variant ran its workflows',
    );
    assert.ok(results.wire.requests > 0 && results.wire.failed === 0, 'the wire ceiling posted to the simulator');
    assert.equal(results.saturation.acceptedEvents, results.options.events, 'the ingest API accepted every event');
    assert.ok(results.saturation.xtremepushRequests >= 1);
    const { backlog } = results.saturation;
    assert.ok(backlog === null || (backlog.events <= results.saturation.acceptedEvents && backlog.seconds > 0), JSON.stringify(backlog));
    const { largestRequestEvents, shareInRequestsOf100 } = results.saturation;
    assert.ok(largestRequestEvents >= 1 && largestRequestEvents <= 1000, `no request over Xtremepush's 1,000 events: ${largestRequestEvents}`);
    assert.ok(shareInRequestsOf100 >= 0 && shareInRequestsOf100 <= 1);
    assert.deepEqual(
      results.openLoops.map((o) => o.batch),
      [1, results.options.batch],
      'an open loop of single-event requests, then one of batches',
    );
    for (const open of results.openLoops) {
      assert.ok(open.acceptedEvents > 0);
      assert.equal(open.latencyMs.count, open.acceptedEvents, `every open-loop event (${open.batch} per request) reached the simulator`);
    }
    assert.deepEqual(
      results.engineLatency.map((e) => [e.burst, e.latencyMs.count > 0]),
      results.openLoops.map((o) => [o.batch, true]),
      "empty workflows ran at each open loop's rate and burst",
    );
    // A delivery that succeeds first time: start, one local-activity group, one search-attribute upsert.
    assert.equal(results.costs.actions.max, 3);
    assert.ok(results.costs.historyEvents.max <= 12);
    assert.ok(results.processes.saturation.some((process) => process.peakRssMb > 0));

    const markdown = renderMarkdown(results, 'npm run benchmark -- --short');
    assert.match(markdown, /billable actions per delivered event/);
    assert.match(markdown, /engine latency at the same rate/);
    // A run of the other mode, already in the file, is kept beside this one; this mode's earlier run is replaced.
    const otherMode = { ...results, mode: 'split' as const, runId: 'other-mode-run' };
    const both = renderMarkdown(results, 'npm run benchmark -- --short', renderMarkdown(otherMode, 'npm run benchmark -- --split'));
    assert.equal(both.match(/^## Latest run/gm)?.length, 2);
    assert.match(both, /run other-mode-run, mode split/);
    assert.equal(renderMarkdown(results, 'again', both).match(new RegExp(`run ${results.runId}`, 'g'))?.length, 1);
  });
});
