import type { MachineInfo } from '../../scripts/benchmark/machine';
import type { ScenarioResult } from './scenarios';
import type { Sizes } from './scenarios';
import { problemsOf } from './verdict';

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort(([, a], [, b]) => b - a)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ') || '–';

function renameKey(record: Record<string, number>, from: string, to: string): Record<string, number> {
  const { [from]: value, ...rest } = record;
  return value === undefined ? rest : { ...rest, [to]: value };
}

/** Table cells may not hold a pipe or a line break. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** RELIABILITY.md: the machine, what is counted, one row per scenario, then what each scenario did and saw. */
export function renderReport(results: readonly ScenarioResult[], sizes: Sizes, machine: MachineInfo): string {
  const lines = [
    '# Reliability',
    '',
    'Written by `npm run reliability`, the long form of the fault and hostile-input suite; its short form',
    '(`test/reliability/reliability.test.ts`) runs in `npm test`. Each scenario runs on a stack of its own, as it runs in',
    'production: a headless Temporal dev server with its state in a file, the ingest API and two delivery workers as',
    'separate processes (`api/main.ts`, `worker/main.ts`), the identity store in PostgreSQL, and the Xtremepush simulator.',
    `Valid traffic runs throughout (${sizes.events} tracks per scenario at ${sizes.perSecond}/s, each with its own messageId and`,
    'user); the fault comes once a third of it is accepted. The client retries requests that get no answer, a 5xx or a',
    '429, as Segment clients do. Then every accepted event is checked.',
    '',
    '## Machine',
    '',
    `- ${machine.cpuModel}, ${machine.cpuCount} cores, ${machine.totalMemoryGb} GB; ${machine.platform}`,
    `- Node.js ${machine.node}; Temporal CLI ${machine.temporalCli}`,
    `- ${machine.date}; load average at start ${machine.loadAverageAtStart}; code ${machine.code}`,
    '',
    '## What is counted',
    '',
    '- **sent**: valid events sent (the barrage adds its odd but valid ones), each once however often it was retried.',
    '- **accepted**: events the API answered 200 for, naming their delivery workflow.',
    '- **delivered**, **other endings**: how the accepted events ended (an unmapped event name ends dropped, as it must).',
    '- **duplicates**: hits at the simulator beyond one per delivered event. In brackets, the duplicates allowed: the',
    '  events of requests that landed after the client had given up on them (it timed out and closed the connection,',
    '  so it could not know), as a proxy between the workers and the simulator sees them. A worker or dev server killed',
    '  after an answer was read but before its workflow recorded it also sends it again: those two scenarios are not',
    '  held to the bracket.',
    '- **lost**: accepted events without a workflow, or delivered without reaching the simulator, or (with **wrong**',
    '  endings) a valid event that ended otherwise than delivered.',
    '- **still running**: workflows not closed when the wait ended.',
    "- **bad inputs by answer**: the barrage's hostile requests by HTTP status.",
    '- **crashes**: processes that exited without being told to, 5xx answers other than 503 (Temporal away), and hostile',
    '  requests answered 5xx or not at all.',
    '',
    '## Results',
    '',
    '| scenario | sent | accepted | delivered | other endings | duplicates (allowed) | lost | still running | bad inputs by answer | crashes | result |',
    '|---|--:|--:|--:|---|--:|--:|--:|---|--:|---|',
  ];
  for (const result of results) {
    const { check } = result;
    if (result.skipped || !check) {
      lines.push(`| ${result.scenario.title} | skipped: ${cell(result.skipped ?? 'no end check')} | | | | | | | | | |`);
      continue;
    }
    const { delivered = 0, ...others } = check.endings;
    const passed = problemsOf(result, sizes).length === 0;
    const allowed = result.scenario.duplicatesOnlyFromLateAnswers ? `≤ ${check.lateLanded}` : `${check.lateLanded} landed unseen, + answers lost with the kill`;
    lines.push(
      `| ${result.scenario.title} | ${result.sent} | ${result.accepted} | ${delivered} | ${cell(counts(others))}${check.wrongEndings ? ` (${check.wrongEndings} wrong)` : ''} ` +
        `| ${check.duplicates} (${allowed}) | ${check.lost} | ${check.stillRunning} | ${cell(result.barrage ? counts(result.barrage.refusedByAnswer) : '–')} ` +
        `| ${result.crashes.length} | ${passed ? 'pass' : '**FAIL**'} |`,
    );
  }
  lines.push('', '## Scenarios', '');
  for (const result of results) {
    lines.push(`### ${result.scenario.title} (\`${result.scenario.id}\`)`, '');
    if (result.skipped) {
      lines.push(`Skipped: ${result.skipped}.`, '');
      continue;
    }
    for (const note of result.notes) lines.push(`- ${note}`);
    lines.push(
      `- fault at ${result.acceptedAtFault} accepted events; ${result.seconds} s in all`,
      `- the API's answers to the valid load (requests): ${counts(result.loadAnswers)}`,
      `- the simulator's answers to requests carrying events: ${counts(renameKey(result.xtremepushAnswers, '0', 'closed unanswered'))}; ` +
        `${result.lateAnswers} landed after the client had given up on them`,
    );
    if (result.barrage) {
      const { barrage } = result;
      lines.push(
        `- barrage: ${barrage.requests} requests; ${barrage.accepted.length} of ${barrage.validSent} odd but valid events accepted; ` +
          `${barrage.recordings.length} valid webhooks recorded; ${barrage.refusedWorkflowIds.length} refused events looked up: ` +
          `${result.check?.startedAnyway ?? 0} of them have a delivery workflow`,
      );
    }
    for (const crash of result.crashes) lines.push(`- crash: ${crash.split('\n')[0]}`);
    for (const problem of problemsOf(result, sizes)) lines.push(`- **problem**: ${problem}`);
    if (result.barrage) {
      lines.push('', '| request | answers |', '|---|---|');
      for (const [kind, answers] of Object.entries(result.barrage.byKind).sort()) lines.push(`| ${cell(kind)} | ${cell(counts(answers))} |`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
