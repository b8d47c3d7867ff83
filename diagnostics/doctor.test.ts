import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import pino from 'pino';
import path from 'node:path';
import { loadConfig } from '../config/load';
import { resolveTemporalCli, startDevServer } from '../temporal/dev-server';
import { startSimulator, type Simulator } from '../simulator';
import { freePort } from '../test/ports';
import { createXtremepushClient, type XtremepushClient } from '../xtremepush/client';
import { runDoctor, type DoctorReport, type Finding } from './doctor';

const EU_TOKEN = 'doctor-eu-token-3c7e1f';
const US_TOKEN = 'doctor-us-token-9a4b2d';
const OAUTH_TOKEN = 'doctor-oauth-token-6d8f0a';
const ROOT = path.resolve(__dirname, '..');

/** The settings doctor needs from the environment: an integration with this token at this host. */
function configEnv(token: string, apiBaseUrl: string): Record<string, string> {
  return { XTREMEPUSH_APP_TOKEN: token, XTREMEPUSH_API_BASE_URL: apiBaseUrl, INGEST_WRITE_KEYS: 'doctor-write-key' };
}

function finding(report: DoctorReport, check: Finding['check']): Finding {
  const found = report.findings.find((f) => f.check === check && f.integration !== null);
  assert.ok(found, `no ${check} finding in ${JSON.stringify(report, null, 2)}`);
  return found;
}

describe('runDoctor against the simulator', () => {
  let sim: Simulator;
  let xtremepush: XtremepushClient;

  before(async () => {
    sim = await startSimulator({
      eu: {
        projects: [
          { name: 'eu-shop', token: EU_TOKEN },
          { name: 'eu-oauth', token: OAUTH_TOKEN, oauthOnly: true },
        ],
      },
      us: { projects: [{ name: 'us-shop', token: US_TOKEN }] },
    });
    xtremepush = createXtremepushClient({ timeoutMs: 2000 });
  });

  after(async () => {
    await xtremepush.close();
    await sim.close();
  });

  const doctor = (token: string, apiBaseUrl: string) => runDoctor({ config: loadConfig(configEnv(token, apiBaseUrl)), xtremepush, regionHosts: sim.urls });

  test('a correct setup is healthy: the token is valid for its region, and nothing is created', async () => {
    for (const [token, url, region] of [
      [EU_TOKEN, sim.urls.eu, 'EU'],
      [US_TOKEN, sim.urls.us, 'US'],
    ] as const) {
      const report = await doctor(token, url);
      assert.equal(report.healthy, true, JSON.stringify(report, null, 2));
      assert.deepEqual(
        report.findings.filter((f) => f.status !== 'ok'),
        [],
      );
      assert.equal(finding(report, 'token').status, 'ok');
      assert.match(finding(report, 'token').message, new RegExp(`valid for the ${region} region`));
    }
    assert.equal(sim.hits().length, 0);
    assert.ok(sim.received().every((r) => r.path === '/api/external/list/profile-subscription'));
  });

  test('a US token configured against the EU host: an error naming the US region and the host to set', async () => {
    const report = await doctor(US_TOKEN, sim.urls.eu);
    assert.equal(report.healthy, false);
    const token = finding(report, 'token');
    assert.equal(token.status, 'error');
    assert.match(token.message, /the token belongs to the US region/);
    assert.ok(token.fix.includes(`set XTREMEPUSH_API_BASE_URL=${sim.urls.us}`), JSON.stringify(token));
  });

  test('an unknown token: refused by both regions, so the token is wrong', async () => {
    const report = await doctor('not-a-real-token', sim.urls.eu);
    assert.equal(report.healthy, false);
    const token = finding(report, 'token');
    assert.equal(token.status, 'error');
    assert.match(token.message, /the App Token is wrong/);
    assert.ok(token.fix.includes('Settings > Integrations'));
  });

  test('an OAuth-only project: an App Token cannot be used', async () => {
    const report = await doctor(OAUTH_TOKEN, sim.urls.eu);
    assert.equal(report.healthy, false);
    const token = finding(report, 'token');
    assert.equal(token.status, 'error');
    assert.match(token.message, /OAuth-only/);
    assert.ok(/OAuth variant/.test(token.fix));
  });

  test('a US OAuth-only token against the EU host names both the region and OAuth', async () => {
    sim.addProject('us', { name: 'us-oauth', token: 'doctor-us-oauth-token', oauthOnly: true });
    const token = finding(await doctor('doctor-us-oauth-token', sim.urls.eu), 'token');
    assert.match(token.message, /belongs to the US region.*OAuth-only/);
  });

  test('an unreachable host: a reachability error, and no token verdict', async () => {
    const report = await doctor(EU_TOKEN, `http://127.0.0.1:${await freePort()}`);
    assert.equal(report.healthy, false);
    const reachability = finding(report, 'reachability');
    assert.equal(reachability.status, 'error');
    assert.match(reachability.message, /cannot reach .*ECONNREFUSED/);
    assert.equal(
      report.findings.some((f) => f.check === 'token'),
      false,
    );
    // Not a region host either: a loopback URL that is not one of the region hosts is a warning.
    assert.equal(finding(report, 'base-url').status, 'warn');
  });

  test('a base URL with a path, and a 5xx while checking', async () => {
    const withPath = await doctor(EU_TOKEN, `${sim.urls.eu}/api`);
    assert.equal(finding(withPath, 'base-url').status, 'error');
    sim.failNext(1, { status: 503 });
    const busy = await doctor(EU_TOKEN, sim.urls.eu);
    assert.equal(busy.healthy, true);
    assert.equal(finding(busy, 'token').status, 'warn');
  });

  test('every finding that is not ok says what to do, and no token appears anywhere in any report', async () => {
    const reports = await Promise.all([
      doctor(EU_TOKEN, sim.urls.eu),
      doctor(US_TOKEN, sim.urls.eu),
      doctor(OAUTH_TOKEN, sim.urls.eu),
      doctor('not-a-real-token', sim.urls.us),
    ]);
    for (const report of reports) {
      const text = JSON.stringify(report);
      for (const token of [EU_TOKEN, US_TOKEN, OAUTH_TOKEN, 'not-a-real-token']) assert.equal(text.includes(token), false, text);
      for (const f of report.findings) if (f.status !== 'ok') assert.ok(f.fix.length > 0);
    }
  });
});

describe('the doctor command', () => {
  let sim: Simulator;

  before(async () => {
    sim = await startSimulator({
      eu: { projects: [{ name: 'eu-shop', token: EU_TOKEN }] },
      us: { projects: [{ name: 'us-shop', token: US_TOKEN }] },
    });
  });

  after(() => sim.close());

  function runCli(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'cli/index.ts', 'doctor', '--eu-host', sim.urls.eu, '--us-host', sim.urls.us, ...args], {
      cwd: ROOT,
      // Only the settings given here: nothing from the developer's own environment may change the verdict.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  test('exits 0 for a healthy setup, with progress per integration', async () => {
    const { code, stdout, stderr } = await runCli(configEnv(EU_TOKEN, sim.urls.eu));
    assert.equal(code, 0, stdout + stderr);
    assert.match(stdout, /^healthy: 0 error/m);
    assert.match(stderr, /checking integration xtremepush/);
  });

  test('exits 1 for a wrong region and prints the fix line, never the token', async () => {
    const { code, stdout, stderr } = await runCli(configEnv(US_TOKEN, sim.urls.eu));
    assert.equal(code, 1, stdout + stderr);
    assert.match(stdout, /ERROR xtremepush token: the token belongs to the US region/);
    assert.ok(stdout.includes(`fix: set XTREMEPUSH_API_BASE_URL=${sim.urls.us}`), stdout);
    assert.equal((stdout + stderr).includes(US_TOKEN), false);
  });

  test('names the search attributes a Temporal namespace lacks, with the command that creates them', async () => {
    const bare = await startDevServer({
      port: await freePort(),
      uiPort: null,
      namespace: 'default',
      logger: pino({ level: 'silent' }),
      searchAttributes: false,
      readyTimeoutMs: 120_000,
    });
    try {
      const without = await runCli({ ...configEnv(EU_TOKEN, sim.urls.eu), TEMPORAL_ADDRESS: bare.address });
      assert.equal(without.code, 1, without.stdout + without.stderr);
      assert.match(without.stdout, /ERROR \(configuration\) search-attributes: namespace default lacks the search attributes XpIntegration, .*XpErrorMessage/);
      assert.match(
        without.stdout,
        /fix: create them once: temporal operator search-attribute create --namespace default --name XpIntegration --type Keyword .* --name XpErrorMessage --type Text --name XpUserHash --type KeywordList \(Temporal Cloud: tcld/,
      );
      // The command the finding gives, run as printed, fixes it.
      const [, ...args] = /fix: create them once: (.*) \(Temporal Cloud:/.exec(without.stdout)![1]!.split(' ');
      await promisify(execFile)(resolveTemporalCli(), [...args, '--address', bare.address]);
      const fixed = await runCli({ ...configEnv(EU_TOKEN, sim.urls.eu), TEMPORAL_ADDRESS: bare.address });
      assert.match(fixed.stdout, /ok {4}\(configuration\) search-attributes: namespace default at .* has the service's search attributes/);
    } finally {
      await bare.stop();
    }
  });

  test('--json prints the report; an invalid configuration is a finding and exits 1', async () => {
    const healthy = await runCli(configEnv(EU_TOKEN, sim.urls.eu), '--json');
    assert.equal(healthy.code, 0);
    assert.equal((JSON.parse(healthy.stdout) as DoctorReport).healthy, true);
    const invalid = await runCli({ ...configEnv(EU_TOKEN, 'https://example.com') }, '--json');
    assert.equal(invalid.code, 1);
    const report = JSON.parse(invalid.stdout) as DoctorReport;
    assert.equal(report.healthy, false);
    assert.match(report.findings[0]!.message, /^XTREMEPUSH_API_BASE_URL: /);
  });
});
