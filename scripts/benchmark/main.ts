/**
 * `npm run benchmark [-- options]`: runs the benchmark, prints the summary (or `--json`), and rewrites
 * BENCHMARKS.md. Progress goes to stderr. Ctrl-C stops the run and still cleans up what it started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ZodError } from 'zod';
import { describeIssues } from '../../errors/issues';
import { renderMarkdown, renderSummary } from './report';
import { runBenchmark, type BenchmarkOptionsInput } from './run';
import { PROJECT_ROOT } from './stack';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('must be a number');
  return parsed;
}

const program = new Command()
  .name('npm run benchmark --')
  .description('Engine and wire ceilings, our end-to-end delivery rate and latency, cost per event, RSS and CPU: one run, on this machine.')
  .option('--short', 'small counts, a few seconds per phase (under a minute in all)', false)
  .option('--split', 'run the API and the worker (dist/api/main.js, dist/worker/main.js) as two processes (needs PostgreSQL, DATABASE_URL)', false)
  .option('--no-launch-env', 'run the service processes without the launch settings of the Docker image and npm start (runtime/launch-env.ts)')
  .option(
    '--service-env <NAME=VALUE>',
    'a setting for the service processes, as a user would set it (repeatable), e.g. WORKER_MAX_CONCURRENT_WORKFLOW_TASKS=100',
    collect,
    [],
  )
  .option('--events <n>', 'events in the saturation phase (default 2000, --short 200)', number)
  .option('--batch <n>', 'events per ingest request; 1 posts /v1/track, more /v1/batch', number, 20)
  .option('--open-batch <n>', 'events per request in the open loop (default: two open loops, 1 and --batch)', number)
  .option('--connections <n>', 'closed-loop connections in the saturation phase', number, 50)
  .option('--open-seconds <s>', 'duration of the half-saturation open loop (default 20, --short 5)', number)
  .option('--engine-workflows <n>', 'workflows per engine-ceiling variant (default 1000, --short 200)', number)
  .option('--engine-in-flight <n>', 'engine-ceiling workflows in flight (default 200, --short 50)', number)
  .option('--wire-seconds <s>', 'duration of the wire ceiling (default 5, --short 2)', number)
  .option('--wire-concurrency <n>', 'concurrent requests of the wire ceiling', number, 64)
  .option('--cost-sample <n>', 'delivered histories read for the cost figures (default 100, --short 20)', number)
  .option('--drain-timeout <s>', 'seconds to wait after a phase for every accepted event to reach the simulator (default 180, --short 45)', number)
  .option('--json', "print the results as JSON on stdout, the summary then on stderr (use `npm run -s` to keep npm's banner off stdout)", false)
  .option('--no-report', 'do not rewrite BENCHMARKS.md')
  .addHelpText('after', '\nExample: npm run benchmark -- --events 1000 --short');

interface CliOptions {
  short: boolean;
  split: boolean;
  launchEnv: boolean;
  serviceEnv: string[];
  events?: number;
  batch: number;
  openBatch?: number;
  connections: number;
  openSeconds?: number;
  engineWorkflows?: number;
  engineInFlight?: number;
  wireSeconds?: number;
  wireConcurrency: number;
  costSample?: number;
  drainTimeout?: number;
  json: boolean;
  report: boolean;
}

/** `drainTimeoutSeconds` -> `--drain-timeout`: name options in errors as they were typed. */
function flagOf(option: string): string {
  return `--${option.replace(/Seconds$/, option === 'drainTimeoutSeconds' ? '' : 'Seconds').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

const controller = new AbortController();

async function main(): Promise<number> {
  program.parse();
  const cli = program.opts<CliOptions>();
  const input: BenchmarkOptionsInput = {
    short: cli.short,
    split: cli.split,
    launchEnv: cli.launchEnv,
    serviceEnv: cli.serviceEnv,
    events: cli.events,
    batch: cli.batch,
    openBatch: cli.openBatch,
    connections: cli.connections,
    openSeconds: cli.openSeconds,
    engineWorkflows: cli.engineWorkflows,
    engineInFlight: cli.engineInFlight,
    wireSeconds: cli.wireSeconds,
    wireConcurrency: cli.wireConcurrency,
    costSample: cli.costSample,
    drainTimeoutSeconds: cli.drainTimeout,
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    process.stderr.write(`[benchmark] ${signal}: stopping and cleaning up (again to leave at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const results = await runBenchmark({ ...input, signal: controller.signal });
  const summary = renderSummary(results);
  if (cli.json) {
    process.stderr.write(summary);
    await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(results, null, 2)}\n`, () => resolve()));
  } else {
    await new Promise<void>((resolve) => process.stdout.write(summary, () => resolve()));
  }
  if (cli.report) {
    const command = ['npm run benchmark', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' ');
    const file = path.join(PROJECT_ROOT, 'BENCHMARKS.md');
    fs.writeFileSync(file, renderMarkdown(results, command, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''));
    process.stderr.write(`[benchmark] wrote ${path.relative(process.cwd(), file) || file}\n`);
  }
  return 0;
}

main().then(
  // Explicit exit: the Temporal runtime of the engine-ceiling worker may keep native handles alive.
  (code) => process.exit(code),
  (error: unknown) => {
    if (controller.signal.aborted) {
      console.error('benchmark aborted; everything it started has been stopped');
      process.exit(130);
    }
    if (error instanceof ZodError) {
      console.error(`invalid options:\n${describeIssues(error, { nameOf: (path) => `  ${flagOf(String(path[0]))}` }).join('\n')}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
