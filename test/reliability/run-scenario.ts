import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../../scripts/benchmark/support';
import { hitRequests } from '../harness';
import { startLoad } from './load';
import { startPrivatePostgres } from './postgres';
import type { Log } from './processes';
import type { FaultContext, Scenario, ScenarioResult, Sizes } from './scenarios';
import { startStack } from './stack';
import { checkEnd } from './verify';

/**
 * One scenario on a stack of its own (two workers, so that one can die and the other carry on): valid load at a
 * steady rate, the fault once a third of it is accepted, then the end check over every event the API accepted.
 */
export async function runScenario(scenario: Scenario, sizes: Sizes, log: Log): Promise<ScenarioResult> {
  const started = Date.now();
  const scoped: Log = (line) => log(`${scenario.id}: ${line}`);
  const result: ScenarioResult = {
    scenario,
    sent: 0,
    accepted: 0,
    notAccepted: 0,
    loadAnswers: {},
    acceptedAtFault: 0,
    xtremepushAnswers: {},
    lateAnswers: 0,
    crashes: [],
    notes: [],
    seconds: 0,
  };
  const pgDir = scenario.privatePostgres ? fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-reliability-pg-')) : null;
  const postgres = pgDir ? await startPrivatePostgres(pgDir) : undefined;
  try {
    if (typeof postgres === 'string') return { ...result, skipped: postgres };
    const stack = await startStack({ name: scenario.id, workers: 2, log: scoped, databaseUrl: postgres?.url });
    try {
      const load = startLoad(stack.apiUrl, {
        prefix: `${scenario.id}-${Date.now().toString(36)}`,
        events: sizes.events,
        perSecond: sizes.perSecond,
        batchSize: sizes.batchSize,
      });
      const loaded = load.done.then(() => true);
      while (load.acceptedSoFar() < sizes.events / 3 && !(await Promise.race([loaded, sleep(100).then(() => false)]))) continue;
      result.acceptedAtFault = load.acceptedSoFar();
      scoped(`fault at ${result.acceptedAtFault} accepted events: ${scenario.title}`);
      const context: FaultContext = { stack, sizes, log: scoped, notes: result.notes, crashes: result.crashes, postgres };
      const faultAt = Date.now();
      await scenario.fault(context);
      const report = await load.done;
      scoped(`load done: ${report.accepted.length} of ${report.sent} accepted; waiting for every workflow to end`);
      result.barrage = context.barrage;
      const check = await checkEnd(stack.client, stack.simulator, stack.watch, {
        events: [...report.accepted, ...(context.barrage?.accepted ?? [])],
        recordings: context.barrage?.recordings ?? [],
        refused: context.barrage?.refusedWorkflowIds ?? [],
        waitMs: sizes.waitMs,
      });
      for (const { status } of hitRequests(stack.simulator)) result.xtremepushAnswers[status] = (result.xtremepushAnswers[status] ?? 0) + 1;
      result.lateAnswers = stack.watch.abandonedRequests();
      const lastLanded = Math.max(...stack.simulator.hits().map((hit) => hit.receivedAt));
      result.notes.push(`the last event reached the simulator ${Math.round((lastLanded - faultAt) / 1000)} s after the fault began`);
      const serverErrors = Object.entries(report.answers).filter(([status]) => Number(status) >= 500 && status !== '503');
      Object.assign(result, {
        sent: report.sent + (context.barrage?.validSent ?? 0),
        accepted: check.accepted,
        notAccepted: report.notAccepted + (context.barrage ? context.barrage.validSent - context.barrage.accepted.length : 0),
        loadAnswers: report.answers,
        check,
      });
      result.crashes.push(
        ...stack.processes.crashes,
        ...serverErrors.map(([status, times]) => `the API answered ${status} to valid events ${times} times`),
        ...(context.barrage?.crashes ? [`${context.barrage.crashes} hostile requests answered 5xx or not at all`] : []),
      );
      scoped(`checked: lost ${check.lost}, still running ${check.stillRunning}, duplicates ${check.duplicates}, crashes ${result.crashes.length}`);
    } finally {
      await stack.close();
    }
    return result;
  } finally {
    if (postgres && typeof postgres !== 'string') await postgres.stop();
    if (pgDir) fs.rmSync(pgDir, { recursive: true, force: true });
    result.seconds = Math.round((Date.now() - started) / 1000);
  }
}
