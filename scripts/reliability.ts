/**
 * `npm run reliability [-- options]`: the long form of the fault and hostile-input suite. Runs every
 * scenario, each on a stack of its own, with larger counts than `npm test`; prints progress on stderr and the table on
 * stdout, and rewrites RELIABILITY.md. Exits 1 when any scenario found a problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { resolveTemporalCli } from '../temporal/dev-server';
import { runScenario } from '../test/reliability/run-scenario';
import type { ScenarioResult } from '../test/reliability/scenarios';
import { renderReport } from '../test/reliability/report';
import { LONG, SCENARIOS } from '../test/reliability/scenarios';
import { problemsOf } from '../test/reliability/verdict';
import { describeMachine } from './benchmark/machine';

const PROJECT_ROOT = path.resolve(__dirname, '..');

const program = new Command()
  .name('npm run reliability --')
  .description('Every fault and hostile-input scenario against the real stack; writes RELIABILITY.md.')
  .option('--only <ids>', `comma-separated scenarios, of: ${SCENARIOS.map((s) => s.id).join(', ')}`, (value) => {
    const ids = value.split(',').map((id) => id.trim());
    const unknown = ids.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length > 0) throw new InvalidArgumentError(`unknown scenario ${unknown.join(', ')}`);
    return ids;
  })
  .option('--events <n>', `valid events per scenario (default ${LONG.events})`, (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 30) throw new InvalidArgumentError('must be a whole number, at least 30');
    return n;
  })
  .option('--no-report', 'do not rewrite RELIABILITY.md');

async function main(): Promise<number> {
  const options = program.parse().opts<{ only?: string[]; events?: number; report: boolean }>();
  const sizes = { ...LONG, events: options.events ?? LONG.events };
  const log = (line: string) => process.stderr.write(`[reliability ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const machine = await describeMachine(resolveTemporalCli(), PROJECT_ROOT);
  const results: ScenarioResult[] = [];
  for (const scenario of SCENARIOS.filter((s) => !options.only || options.only.includes(s.id))) {
    log(`${scenario.id}: starting (${scenario.title})`);
    const result = await runScenario(scenario, sizes, log);
    results.push(result);
    const problems = problemsOf(result, sizes);
    if (result.skipped) log(`${scenario.id}: SKIPPED: ${result.skipped}`);
    else log(`${scenario.id}: ${problems.length === 0 ? 'pass' : `FAIL\n  ${problems.join('\n  ')}`} (${result.seconds} s)`);
  }
  const report = renderReport(results, sizes, machine);
  process.stdout.write(report.slice(report.indexOf('## Results')));
  if (options.report) {
    fs.writeFileSync(path.join(PROJECT_ROOT, 'RELIABILITY.md'), report);
    log('wrote RELIABILITY.md');
  }
  return results.some((r) => problemsOf(r, sizes).length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
