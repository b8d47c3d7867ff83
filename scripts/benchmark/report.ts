/** The run's results as a terminal summary and as BENCHMARKS.md (fixed prose, then the latest run's tables). */
import type { EngineVariant } from './ceilings';
import type { BenchmarkResults } from './run';

const n0 = (v: number) => Math.round(v).toLocaleString('en-US');
const n1 = (v: number) => v.toFixed(1);
const n2 = (v: number) => v.toFixed(2);
const n3 = (v: number) => v.toFixed(3);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

const VARIANT_LABELS: Record<EngineVariant, string> = {
  emptyWorkflow: 'empty workflow',
  oneLocalActivityWorkflow: 'one local activity',
  oneActivityWorkflow: 'one activity',
  startAttributesWorkflow: "empty, started with a delivery's search attributes",
  upsertWorkflow: 'one search-attribute upsert',
  deliveryShapeWorkflow: "a delivery's shape, no work",
  deliveryShapeAllAtOnce: "a delivery's shape, no work, all started at once",
};

/** [label, value] pairs shared by the summary and the Markdown table, so the two never disagree. */
function headlineRows(r: BenchmarkResults): Array<[string, string]> {
  const s = r.saturation;
  const rows: Array<[string, string]> = [];
  for (const e of r.engine) {
    rows.push([
      `engine ceiling: ${VARIANT_LABELS[e.variant]}`,
      `${n1(e.workflowsPerSecond)} workflows/s (${n0(e.workflows)}, ${e.inFlight} in flight${e.timedOutTasks > 0 ? `; ${e.timedOutTasks} with a workflow task timed out` : ''})`,
    ]);
  }
  rows.push(
    [
      'wire ceiling: hits straight to the simulator',
      `${n0(r.wire.requestsPerSecond)} requests/s (${r.wire.concurrency} concurrent, p50 ${n1(r.wire.latencyMs.p50)} ms)`,
    ],
    [
      'ours, saturation: delivered end to end',
      `**${n1(s.deliveredEventsPerSecond)} events/s** (${n0(s.acceptedEvents)} events in ${n1(s.endToEndSeconds)} s; ${s.connections} connections, ${s.batch} events per request)`,
    ],
    [
      'ours, saturation: accepted by the ingest API',
      `${n1(s.acceptedEventsPerSecond)} events/s (answer p50 ${n0(s.ingestLatencyMs.p50)} ms, p99 ${n0(s.ingestLatencyMs.p99)} ms; ${s.rejectedRequests} requests refused)`,
    ],
    [
      'ours, saturation: backlog delivered after the last event was accepted',
      s.backlog
        ? `${n1(s.backlog.eventsPerSecond)} events/s (${n0(s.backlog.events)} events in ${n1(s.backlog.seconds)} s)`
        : 'none: every event was delivered before the last was accepted',
    ],
    ...r.openLoops.flatMap((o): Array<[string, string]> => {
      const floor = r.engineLatency.find((e) => e.burst === o.batch);
      return [
        [
          `ours, latency at half saturation, ${o.batch === 1 ? '1 event' : `${o.batch} events`} per request (${n1(o.offeredEventsPerSecond)} events/s for ${o.seconds} s)`,
          `p50 ${n0(o.latencyMs.p50)} ms, p95 ${n0(o.latencyMs.p95)} ms, p99 ${n0(o.latencyMs.p99)} ms, max ${n0(o.latencyMs.max)} ms (${n0(o.acceptedEvents)} events)`,
        ],
        ...(floor
          ? [
              [
                `engine latency at the same rate: empty workflows, ${floor.burst === 1 ? 'one' : floor.burst} at a time`,
                `p50 ${n0(floor.latencyMs.p50)} ms, p95 ${n0(floor.latencyMs.p95)} ms, p99 ${n0(floor.latencyMs.p99)} ms, max ${n0(floor.latencyMs.max)} ms (${n0(floor.latencyMs.count)} workflows)`,
              ] as [string, string],
            ]
          : []),
      ];
    }),
    ['history events per delivered event', `mean ${n1(r.costs.historyEvents.mean)}, max ${r.costs.historyEvents.max}`],
    ['billable actions per delivered event', `**mean ${n2(r.costs.actions.mean)}**, max ${r.costs.actions.max} (sample of ${r.costs.sampled})`],
    [
      'Xtremepush requests per event (saturation)',
      `${n3(s.xtremepushRequestsPerEvent)} (${n0(s.xtremepushRequests)} requests; the largest of ${n0(s.largestRequestEvents)} events; ` +
        `${pct(s.shareInRequestsOf100)} of events in requests of 100 or more)`,
    ],
    ['ours ÷ engine ceiling (empty workflows)', pct(r.ratios.oursOverEngine)],
    ['ours, backlog ÷ engine ceiling (empty workflows)', r.ratios.backlogOverEngine === null ? 'none left' : pct(r.ratios.backlogOverEngine)],
    ['ours ÷ wire ceiling', pct(r.ratios.oursOverWire)],
  );
  return rows;
}

/** Settings that make the run differ from the service's defaults. */
function serviceSettings(r: BenchmarkResults): string {
  const settings = [...(r.options.launchEnv ? [] : ['without the launch settings']), ...r.options.serviceEnv];
  return settings.length > 0 ? `; service settings ${settings.join(' ')}` : '';
}

function machineRows(r: BenchmarkResults): Array<[string, string]> {
  const m = r.machine;
  return [
    ['CPU', `${m.cpuModel} × ${m.cpuCount}`],
    ['memory', `${m.totalMemoryGb} GB`],
    ['OS', m.platform],
    ['Node.js', m.node],
    ['Temporal CLI', m.temporalCli],
    ['date', m.date],
    ['load average (1 min) at start', String(m.loadAverageAtStart)],
    ['code', m.code],
  ];
}

const plain = (text: string) => text.replace(/\*\*/g, '');

/** role, saturation peak RSS (MB), saturation mean CPU, engine-ceiling mean CPU. */
function processRows(r: BenchmarkResults): Array<[string, string, string, string]> {
  return r.processes.saturation.map((p) => {
    const engine = r.processes.engine.find((e) => e.role === p.role);
    return [p.role, n0(p.peakRssMb), n0(p.meanCpuPercent), engine ? n0(engine.meanCpuPercent) : '–'];
  });
}

export function renderSummary(r: BenchmarkResults): string {
  const width = Math.max(...headlineRows(r).map(([label]) => label.length));
  const lines = [
    `signal-xtremepush benchmark, run ${r.runId} (${r.mode}, ${r.options.short ? 'short' : 'full'}), ${n0(r.durationSeconds)} s${serviceSettings(r)}`,
    `machine: ${r.machine.cpuModel} × ${r.machine.cpuCount}, ${r.machine.totalMemoryGb} GB, Node ${r.machine.node}, ${r.machine.temporalCli}`,
    `code: ${r.machine.code}`,
    '',
    ...headlineRows(r).map(([label, value]) => `  ${label.padEnd(width)}  ${plain(value)}`),
    '',
    '  processes (RSS peak, mean CPU in % of one core):      saturation            engine ceiling',
    ...processRows(r).map(([role, rss, cpu, engineCpu]) => `    ${role.padEnd(52)} ${rss.padStart(6)} MB ${cpu.padStart(5)}%   ${engineCpu.padStart(5)}%`),
    '',
    `  per delivered event, by history event type (mean of ${r.costs.sampled}):`,
    ...r.costs.byEventType.map(
      (c) => `    ${c.eventType.padEnd(38)} ${n2(c.eventsPerWorkflow).padStart(6)} events  ${n2(c.actionsPerWorkflow).padStart(6)} actions`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function table(header: [string, ...string[]], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const INTRO = `# Benchmarks

How fast one machine delivers events through the service, and what each event costs, next to what the same machine
manages without our code. Everything comes from one run of one command, which starts its own headless in-memory
Temporal dev server and an in-process Xtremepush simulator, and runs the compiled service as production does
(\`dist/app/start.js\`, as \`npm start\` runs it; with \`--split\`, \`dist/api/main.js\` and \`dist/worker/main.js\` as two
processes), with the launch settings the Docker image and \`npm start\` give it (\`runtime/launch-env.ts\`; \`--no-launch-env\`
leaves them out):

\`\`\`sh
npm run benchmark                 # full run, a few minutes; rewrites this file
npm run benchmark -- --short      # small counts, under a minute (the smoke test's mode)
npm run -s benchmark -- --json    # the results as JSON on stdout (-s keeps npm's banner off it)
npm run benchmark -- --help       # counts, batch size, connections, --split (api and worker as two processes)
\`\`\`

| figure | what it is |
|---|---|
| engine ceiling | workflows/s the same dev server completes for an *empty* workflow (start → complete, no activity), started with a Temporal client and run by one worker in the benchmark process (1,000 workflows, 200 in flight by default). "One activity" shows what a step costs as a regular activity; "one local activity", "started with a delivery's search attributes" and "one search-attribute upsert" each add one part of a delivery's shape to the empty workflow, and "a delivery's shape, no work" has all of them (\`deliverEvent\`'s history with no-op steps), so together they show which part the engine charges for. "All started at once" starts as many of those as the saturation phase sends events (2,000 by default), all together, as the ingest API starts deliveries when it accepts faster than the engine completes them. |
| wire ceiling | requests/s the simulator answers when single-event hits are posted straight to \`/api/external/hit/event\` with undici (64 concurrent, closed loop, 5 s by default): HTTP on this machine with Temporal out of the picture. |
| ours, saturation | events/s **delivered end to end**: unique, consented \`Order Completed\` tracks posted to the ingest API by autocannon in a closed loop (2,000 events, 50 connections, 20 events per \`/v1/batch\` request by default), counted from the first request sent to the last hit arriving at the simulator. The ingest API accepts faster than events are delivered, so for its first seconds the engine also starts a workflow for every event accepted; "backlog" is the rate at which the events not yet delivered when the last one was accepted then reached the simulator, with nothing more arriving. |
| ours, latency | an open loop at half the saturation rate, in whole requests per second (20 s by default), started once every delivery of the phase before has completed: for each event, the time from its request being sent to its hit arriving at the simulator. It runs twice: with one event per request, arriving evenly (as browsers and mobile SDKs send), and with the saturation phase's batches, each arriving as a burst of 20 events (as server libraries and Signal send). |
| engine latency | after each open loop, empty workflows started at its rate and in its bursts (one at a time, or 20 together), eagerly as the service starts deliveries, and run by a worker in the benchmark process: for each, the time from its start request to the server recording it completed. The part of an event's latency that is the engine's on this machine, whatever our code does. |
| cost per event | history events and Temporal Cloud billable actions per delivered \`deliverEvent\` workflow, from a sample of this run's histories (100 by default); and requests to Xtremepush per event in the saturation phase, with the largest request and the share of events that went in requests of 100 or more (at most 0.01 requests per event needs nearly all of them there). |
| processes | peak RSS and mean CPU (100% = one core busy) of each process during the saturation phase, and its mean CPU during the engine ceiling, sampled from \`/proc\` every 500 ms; "whole machine" is all cores together and memory in use. |
| ratios | ours ÷ each ceiling: how much of what the engine and the wire allow the service reaches. |

Billable actions follow Temporal Cloud's rules: a workflow start (also by continue-as-new) 1, each scheduled activity
1 plus 1 per retry, all local activities completed in one workflow task 1 together, a timer 1, a search-attribute
upsert 1, a signal received 1, a child workflow 2, an external cancel request 1, an accepted update 1. Signals sent
are billed on the receiver; completions and workflow tasks are free.

Figures depend on the machine and on whatever else runs on it: compare runs from the same machine only. The dev
server keeps everything in one SQLite database, so it is the engine's limit here; a Temporal cluster goes further.

Run at its limit, the dev server now and then records a workflow task as started by the worker whose poll response
never reaches it (the worker's own log shows no such task). The task times out after 10 s and runs again: the workflow
ends 10 s late, and one of them near the end of a phase stretches that phase by up to 10 s, so an engine ceiling names
how many of its workflows had a workflow task time out. On this machine it happened in each of 3 runs of the engine
ceilings with the server's default four partitions per task queue, and in 2 of 7 with one partition, which our dev
server (\`temporal/dev-server.ts\`) now runs.
`;

/** One section per mode, so a split run (the worker's own figures) and a combined run stand side by side. */
const RUN_HEADINGS = {
  combined: '## Latest run: API and worker in one process (as `npm start` runs them)',
  split: '## Latest run: API and worker as two processes (`--split`)',
} as const;

/** BENCHMARKS.md with this run's section; the other mode's section is kept from `previous` (the file as it was). */
export function renderMarkdown(r: BenchmarkResults, command: string, previous = ''): string {
  const sections = { combined: sectionOf(previous, RUN_HEADINGS.combined), split: sectionOf(previous, RUN_HEADINGS.split), [r.mode]: renderRun(r, command) };
  return `${[INTRO.trimEnd(), sections.combined, sections.split].filter(Boolean).join('\n\n')}\n`;
}

/** From `heading` up to the next section of the same level, or null if there is none. */
function sectionOf(markdown: string, heading: string): string | null {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) return null;
  const next = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start + 1, next < 0 ? undefined : next).trimEnd();
}

function renderRun(r: BenchmarkResults, command: string): string {
  const sections = [
    RUN_HEADINGS[r.mode],
    `\`${command}\` — run ${r.runId}, mode ${r.mode}, ${r.options.short ? 'short' : 'full'}, ${n0(r.durationSeconds)} s in all${serviceSettings(r)}.`,
    table(['machine', ''], machineRows(r)),
    '### Results',
    table(['figure', 'value'], headlineRows(r)),
    '### Processes',
    table(['process', 'saturation: peak RSS (MB)', 'saturation: mean CPU (% of one core)', 'engine ceiling: mean CPU (% of one core)'], processRows(r)),
    `### Per delivered event, by history event type (mean of ${r.costs.sampled} histories)`,
    table(
      ['history event', 'events', 'billable actions'],
      [
        ...r.costs.byEventType.map((c) => [c.eventType, n2(c.eventsPerWorkflow), n2(c.actionsPerWorkflow)]),
        ['**total**', `**${n1(r.costs.historyEvents.mean)}**`, `**${n2(r.costs.actions.mean)}**`],
      ],
    ),
  ];
  return sections.join('\n\n');
}
