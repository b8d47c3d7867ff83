import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

/**
 * The Grafana dashboard and the Prometheus alert rules in ops/, checked by a real parser: Prometheus's own `promtool`
 * (Debian's `prometheus` package, installed here when missing) checks the rules, runs their unit tests and parses every
 * panel's PromQL. Every metric they use must be one the service exports.
 */

const ROOT = path.resolve(__dirname, '..');
const DASHBOARD_FILE = path.join(ROOT, 'ops/grafana/signal-xtremepush.json');
const ALERTS_FILE = 'ops/prometheus/alerts.yml';
const ALERTS_TEST_FILE = 'ops/prometheus/alerts.test.yml';

/**
 * Our metrics as the Temporal runtime's exporter names them (README, "Health, metrics and shutdown"), with their
 * labels: counters end in `_total`, histograms come as `_bucket` (with `le`), `_sum` and `_count`. The ones counted
 * inside workflows also carry the SDK's namespace, taskQueue and workflowType.
 */
const WORKFLOW_LABELS = ['namespace', 'taskQueue', 'workflowType'];
const SXP_COUNTERS: Record<string, string[]> = {
  sxp_events_accepted_total: ['integration', 'type'],
  sxp_events_rejected_total: [],
  sxp_deliveries_total: ['integration', 'outcome', 'reason', ...WORKFLOW_LABELS],
  sxp_deliveries_parked_total: ['integration', 'failure_class', ...WORKFLOW_LABELS],
  sxp_xtremepush_responses_total: ['integration', 'status'],
};
const SXP_HISTOGRAMS: Record<string, string[]> = {
  sxp_delivery_latency: ['integration', ...WORKFLOW_LABELS],
  sxp_xtremepush_batch_size: ['integration'],
};
/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['instance', 'job'];

/**
 * The Temporal SDK's metric names as seen on a real scrape of /metrics (the stack of test/harness.ts with METRICS_PORT,
 * @temporalio/worker 1.24.0, after delivered, dropped, failed, retried and parked events). Failure counters such as
 * `temporal_request_failure_total` appear only once something fails and were not seen, so they are not listed.
 */
const TEMPORAL_COUNTERS = [
  'temporal_activity_task_received_total',
  'temporal_local_activity_total_total',
  'temporal_long_request_total',
  'temporal_request_total',
  'temporal_sticky_cache_hit_total',
  'temporal_worker_start_total',
  'temporal_workflow_completed_total',
  'temporal_workflow_failed_total',
  'temporal_workflow_task_queue_poll_succeed_total',
];
const TEMPORAL_GAUGES = ['temporal_num_pollers', 'temporal_sticky_cache_size', 'temporal_worker_task_slots_available', 'temporal_worker_task_slots_used'];
const TEMPORAL_HISTOGRAMS = [
  'temporal_activity_execution_latency',
  'temporal_activity_schedule_to_start_latency',
  'temporal_activity_succeed_endtoend_latency',
  'temporal_local_activity_execution_latency',
  'temporal_local_activity_succeed_endtoend_latency',
  'temporal_long_request_latency',
  'temporal_request_latency',
  'temporal_workflow_endtoend_latency',
  'temporal_workflow_task_execution_latency',
  'temporal_workflow_task_replay_latency',
  'temporal_workflow_task_schedule_to_start_latency',
];

const histogramSeries = (name: string) => [`${name}_bucket`, `${name}_sum`, `${name}_count`];

/** Exported series name → its labels (undefined: not checked, for the SDK's). */
const EXPORTED = new Map<string, string[] | undefined>([
  ...Object.entries(SXP_COUNTERS),
  ...Object.entries(SXP_HISTOGRAMS).flatMap(([name, labels]) =>
    histogramSeries(name).map((series): [string, string[]] => [series, series.endsWith('_bucket') ? [...labels, 'le'] : labels]),
  ),
  ...[...TEMPORAL_COUNTERS, ...TEMPORAL_GAUGES, ...TEMPORAL_HISTOGRAMS.flatMap(histogramSeries)].map((name): [string, undefined] => [name, undefined]),
]);

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads. promtool parses the expressions; this only needs to find the names:
 * strings, label matchers, ranges and grouping lists are cut out, and what remains that is not a function call or a
 * keyword is a metric.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/(?<![\w:.])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)].map((m) => m[0]).filter((word) => !PROMQL_WORDS.has(word.toLowerCase()));
}

/** The label names a selector `name{a="x", b=~"y"}` matches on, per metric. */
function selectorLabels(expr: string): Array<{ metric: string; labels: string[] }> {
  return [...expr.matchAll(/([a-zA-Z_:][\w:]*)\s*\{([^}]*)\}/g)].map((m) => ({
    metric: m[1]!,
    labels: [...m[2]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]!),
  }));
}

/** Each metric is exported, and each label it is selected by is one it has. */
function assertExported(expr: string, where: string): void {
  const names = metricNames(expr);
  assert.ok(names.length > 0, `${where}: no metric found in ${expr}`);
  for (const name of names) assert.ok(EXPORTED.has(name), `${where}: ${name} is not a metric the service exports (in ${expr})`);
  for (const { metric, labels } of selectorLabels(expr)) {
    const known = EXPORTED.get(metric);
    if (!known) continue;
    for (const label of labels) assert.ok([...known, ...TARGET_LABELS].includes(label), `${where}: ${metric} has no label ${label}`);
  }
}

// --- promtool ---------------------------------------------------------------------------------------------------

type Promtool = { path: string } | { missing: string };

function findPromtool(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), '/usr/bin'];
  return dirs.map((dir) => path.join(dir, 'promtool')).find((candidate) => fs.existsSync(candidate));
}

/** No hand-installed tool is assumed: a fresh machine gets Debian's package (the first run takes a minute). */
function installPromtool(): Promtool {
  if (process.getuid?.() !== 0) return { missing: "promtool is not installed, and only root can install Debian's prometheus package that has it" };
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const steps = [
    ['update'],
    // Waits for another apt run (a setup script, say) rather than failing on its lock.
    ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=120', 'prometheus'],
  ];
  for (const args of steps) {
    const run = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 300_000 });
    if (run.status !== 0) {
      return {
        missing: `promtool is not installed and apt-get ${args[0]} failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr?.trim().slice(-500) ?? ''}`,
      };
    }
  }
  const found = findPromtool();
  return found ? { path: found } : { missing: 'apt-get installed prometheus but no promtool was found' };
}

function promtool(tool: string, args: string[]): void {
  const run = spawnSync(tool, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `promtool ${args.join(' ')} failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stdout}${run.stderr}`);
}

// --- the files --------------------------------------------------------------------------------------------------

interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface DataSourceRef {
  type?: string;
  uid?: string;
}
interface Target {
  refId: string;
  expr: string;
  datasource?: DataSourceRef;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  datasource?: DataSourceRef;
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query: unknown;
  definition?: string;
  datasource?: DataSourceRef;
}
interface Dashboard {
  title: string;
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface AlertTests {
  tests: Array<{
    input_series: Array<{ series: string }>;
    alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }>;
  }>;
}

const readDashboard = () => JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const readAlerts = () =>
  (YAML.parse(fs.readFileSync(path.join(ROOT, ALERTS_FILE), 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((g) => g.rules);
const readAlertTests = () => YAML.parse(fs.readFileSync(path.join(ROOT, ALERTS_TEST_FILE), 'utf8')) as AlertTests;
const queryPanels = (dashboard: Dashboard) => dashboard.panels.filter((p) => p.type !== 'row');

/** A panel's query as Prometheus receives it: Grafana's variables replaced by values they can take. */
function substituted(expr: string): string {
  return expr
    .replace(/\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}/g, '1m')
    .replace(/\$__range|\$\{__range\}/g, '1h')
    .replace(/\$integration|\$\{integration\}/g, '(xtremepush|shop-eu)');
}

// --- the tests --------------------------------------------------------------------------------------------------

describe('ops: Grafana dashboard and Prometheus alerts', () => {
  let tool: Promtool;
  before(() => {
    const found = findPromtool();
    tool = found ? { path: found } : installPromtool();
    if ('path' in tool) console.log(spawnSync(tool.path, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]);
  });

  test('the alert rules are valid and their unit tests pass (promtool)', (t) => {
    if ('missing' in tool) return t.skip(tool.missing);
    promtool(tool.path, ['check', 'rules', ALERTS_FILE]);
    promtool(tool.path, ['test', 'rules', ALERTS_TEST_FILE]);
  });

  test('every alert has a severity, says what to do, and fires in a unit test', () => {
    const firing = new Set(
      readAlertTests().tests.flatMap((group) => (group.alert_rule_test ?? []).filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname)),
    );
    const alerts = readAlerts();
    assert.deepEqual(alerts.map((a) => a.alert).sort(), [
      'XtremepushDeliveriesParked',
      'XtremepushDeliveryFailureRatioHigh',
      'XtremepushDeliveryLatencyHigh',
      'XtremepushNothingDelivered',
    ]);
    for (const rule of alerts) {
      assert.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert}: severity`);
      assert.ok(rule.for, `${rule.alert}: a "for" so one evaluation does not page`);
      assert.ok(rule.annotations?.summary, `${rule.alert}: summary`);
      assert.match(rule.annotations?.description ?? '', /npm run cli -- (doctor|stats|inspect)/, `${rule.alert}: the description names the command to run`);
      assert.ok(firing.has(rule.alert), `${rule.alert}: no case in ${ALERTS_TEST_FILE} expects it to fire`);
    }
  });

  test('the alerts and their unit tests use only metrics and labels the service exports', () => {
    for (const rule of readAlerts()) assertExported(rule.expr, rule.alert);
    for (const group of readAlertTests().tests) {
      for (const { series } of group.input_series) assertExported(series, `${ALERTS_TEST_FILE} input series`);
    }
  });

  test('the dashboard has what Grafana needs to import it', () => {
    const dashboard = readDashboard();
    assert.equal(typeof dashboard.title, 'string');
    assert.match(dashboard.uid, /^[\w-]{1,40}$/, 'a uid Grafana accepts (at most 40 characters)');
    assert.ok(dashboard.schemaVersion >= 38, 'schemaVersion of Grafana 10 or later');

    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    assert.deepEqual({ type: variables.get('datasource')?.type, query: variables.get('datasource')?.query }, { type: 'datasource', query: 'prometheus' });
    const integration = variables.get('integration');
    assert.equal(integration?.type, 'query');
    assert.deepEqual(integration?.datasource, { type: 'prometheus', uid: '${datasource}' });
    assert.equal(integration?.definition, 'label_values(sxp_events_accepted_total, integration)');

    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok([x, y, w, h].every(Number.isInteger) && x >= 0 && w > 0 && h > 0 && x + w <= 24, `${panel.title}: gridPos within the 24 columns`);
      for (let row = y; row < y + h; row++) {
        for (let col = x; col < x + w; col++) {
          assert.ok(!cells.has(`${row}:${col}`), `${panel.title}: overlaps another panel`);
          cells.add(`${row}:${col}`);
        }
      }
    }
    for (const panel of queryPanels(dashboard)) {
      assert.ok(['timeseries', 'stat', 'gauge', 'bargauge', 'table'].includes(panel.type), `${panel.title}: type ${panel.type}`);
      assert.ok(panel.title, `panel ${panel.id}: title`);
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: '${datasource}' }, `${panel.title}: the datasource variable`);
      assert.ok(panel.targets && panel.targets.length > 0, `${panel.title}: targets`);
      const refIds = panel.targets.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds are unique`);
      for (const target of panel.targets) {
        assert.ok(target.expr.trim(), `${panel.title} ${target.refId}: expr`);
        assert.deepEqual(target.datasource, panel.datasource, `${panel.title} ${target.refId}: datasource`);
      }
    }
  });

  test('the dashboard shows every metric of ours and the SDK ones asked for, and no other', () => {
    const dashboard = readDashboard();
    const used = new Set<string>();
    for (const panel of queryPanels(dashboard)) {
      for (const target of panel.targets ?? []) {
        assertExported(target.expr, `${panel.title} ${target.refId}`);
        for (const name of metricNames(target.expr)) used.add(name);
      }
    }
    const families = [
      ...Object.keys(SXP_COUNTERS),
      ...Object.keys(SXP_HISTOGRAMS),
      'temporal_worker_task_slots_available',
      'temporal_workflow_task_schedule_to_start_latency',
    ];
    for (const family of families)
      assert.ok(
        [...used].some((name) => name === family || histogramSeries(family).includes(name)),
        `no panel shows ${family}`,
      );
    const quantiles = queryPanels(dashboard)
      .flatMap((p) => p.targets ?? [])
      .filter((target) => target.expr.includes('sxp_delivery_latency_bucket'))
      .map((target) => /histogram_quantile\(([\d.]+)/.exec(target.expr)?.[1]);
    assert.deepEqual(quantiles, ['0.5', '0.95', '0.99'], 'latency p50, p95 and p99');
  });

  test("every panel's PromQL parses (promtool)", (t) => {
    if ('missing' in tool) return t.skip(tool.missing);
    // promtool has no command for a bare expression, so each one becomes a recording rule of a rules file it checks.
    const rules = queryPanels(readDashboard()).flatMap((panel) =>
      (panel.targets ?? []).map((target) => {
        const expr = substituted(target.expr);
        assert.ok(!expr.includes('$'), `${panel.title} ${target.refId}: a variable the test does not know in ${expr}`);
        return { record: `grafana:panel_${panel.id}:${target.refId}`, expr };
      }),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-ops-'));
    try {
      const file = path.join(dir, 'dashboard-queries.yml');
      fs.writeFileSync(file, YAML.stringify({ groups: [{ name: 'dashboard', rules }] }));
      promtool(tool.path, ['check', 'rules', file]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
