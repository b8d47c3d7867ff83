import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX, loadConfig } from './load';
import { ConfigError } from '../errors';

const CWD = '/srv/app';
const LIVE = { XTREMEPUSH_APP_TOKEN: 'live-token', INGEST_WRITE_KEYS: 'write-key-0001' };

/** Runs loadConfig and returns the ConfigError it throws (failing if it does not throw one). */
function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig: sandbox (no XTREMEPUSH_APP_TOKEN)', () => {
  test('delivers to the simulator with the sandbox token and write key', () => {
    const config = loadConfig({}, CWD);
    assert.equal(config.sandbox, true);
    assert.deepEqual(config.simulator, { euPort: SANDBOX.euPort, usPort: SANDBOX.usPort });
    assert.equal(config.integrations.length, 1);
    const integration = config.integrations[0]!;
    assert.equal(integration.apiBaseUrl, `http://127.0.0.1:${SANDBOX.euPort}`);
    assert.equal(integration.region, 'local');
    assert.equal(integration.appToken, SANDBOX.euToken);
    assert.deepEqual(config.api.writeKeys, [SANDBOX.writeKey]);
    assert.deepEqual(config.warnings, []);
  });

  test('an empty XTREMEPUSH_APP_TOKEN also means sandbox', () => {
    const config = loadConfig({ XTREMEPUSH_APP_TOKEN: '' }, CWD);
    assert.equal(config.sandbox, true);
    assert.equal(config.integrations[0]!.appToken, SANDBOX.euToken);
  });

  test('SIMULATOR_EU_PORT moves the simulator URL', () => {
    const config = loadConfig({ SIMULATOR_EU_PORT: '5010', SIMULATOR_US_PORT: '5011' }, CWD);
    assert.deepEqual(config.simulator, { euPort: 5010, usPort: 5011 });
    assert.equal(config.integrations[0]!.apiBaseUrl, 'http://127.0.0.1:5010');
  });

  test('applies the documented defaults', () => {
    const config = loadConfig({}, CWD);
    assert.equal(config.api.host, '127.0.0.1');
    assert.equal(config.api.port, 8080);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.dataDir, path.resolve(CWD, '.data'));
    assert.equal(config.integrations[0]!.id, 'xtremepush');
    assert.deepEqual(config.integrations[0]!.consentCategories, ['marketing']);
    assert.equal(config.integrations[0]!.consentWhenMissing, 'deny');
    assert.deepEqual(config.delivery, {
      timeoutMs: 10_000,
      retryInitialIntervalMs: 1_000,
      retryMaxIntervalMs: 300_000,
      retryHorizonMs: 86_400_000,
      anonymousHoldWindowMs: 1_800_000,
      circuitProbeIntervalMs: 30_000,
      batchWindowMs: 20,
      batchMaxWaitMs: 200,
      batchBacklogWaitMs: 3000,
      maxBatchEvents: 1000,
      maxRequestsInFlight: 8,
      maxRequestsPerSecond: 50,
    });
    assert.equal(config.temporal.address, undefined);
    assert.equal(config.temporal.namespace, 'default');
    assert.equal(config.temporal.taskQueue, 'xtremepush-delivery');
    assert.equal(config.temporal.connection.tls, undefined);
    assert.equal(config.temporal.connection.apiKey, undefined);
  });
});

describe('loadConfig: with an app token', () => {
  test('defaults to the EU host, region eu, no simulator and no warnings', () => {
    const config = loadConfig(LIVE, CWD);
    assert.equal(config.sandbox, false);
    assert.equal(config.simulator, undefined);
    const integration = config.integrations[0]!;
    assert.equal(integration.apiBaseUrl, 'https://api.eu.xtremepush.com');
    assert.equal(integration.region, 'eu');
    assert.equal(integration.appToken, 'live-token');
    assert.deepEqual(config.api.writeKeys, ['write-key-0001']);
    assert.deepEqual(config.warnings, []);
  });

  test('the US host gives region us (a trailing slash is dropped)', () => {
    const config = loadConfig({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'https://api.us.xtremepush.com/' }, CWD);
    assert.equal(config.integrations[0]!.region, 'us');
    assert.equal(config.integrations[0]!.apiBaseUrl, 'https://api.us.xtremepush.com');
  });

  test('the legacy EU host gives region eu', () => {
    const config = loadConfig({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'https://external-api.xtremepush.com' }, CWD);
    assert.equal(config.integrations[0]!.region, 'eu');
  });

  test('an https host that is not a region host is a ConfigError naming XTREMEPUSH_API_BASE_URL', () => {
    const error = configError({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'https://api.example.com' });
    assert.equal(error.problems.length, 1);
    assert.match(error.problems[0]!, /^XTREMEPUSH_API_BASE_URL: /);
    assert.match(error.message, /XTREMEPUSH_API_BASE_URL/);
    assert.match(error.message, /https:\/\/api\.example\.com/);
  });

  test('a region host over plain http is refused', () => {
    const error = configError({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'http://api.eu.xtremepush.com' });
    assert.match(error.message, /XTREMEPUSH_API_BASE_URL/);
  });

  test('something that is not a URL is refused naming XTREMEPUSH_API_BASE_URL', () => {
    const error = configError({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'api.eu.xtremepush.com' });
    assert.match(error.problems[0]!, /^XTREMEPUSH_API_BASE_URL: /);
  });

  test('a loopback host is accepted with a warning naming the integration and the URL', () => {
    const config = loadConfig({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'http://127.0.0.1:9999' }, CWD);
    assert.equal(config.integrations[0]!.region, 'local');
    assert.equal(config.integrations[0]!.apiBaseUrl, 'http://127.0.0.1:9999');
    assert.equal(config.warnings.length, 1);
    assert.match(config.warnings[0]!, /integration xtremepush.*loopback/);
    assert.match(config.warnings[0]!, /127\.0\.0\.1:9999/);
  });

  test('localhost is a loopback host too', () => {
    const config = loadConfig({ ...LIVE, XTREMEPUSH_API_BASE_URL: 'http://localhost:9999' }, CWD);
    assert.equal(config.integrations[0]!.region, 'local');
    assert.equal(config.warnings.length, 1);
  });

  test('a missing INGEST_WRITE_KEYS is named', () => {
    const error = configError({ XTREMEPUSH_APP_TOKEN: 'live-token' });
    assert.ok(
      error.problems.some((p) => p.startsWith('INGEST_WRITE_KEYS: ')),
      JSON.stringify(error.problems),
    );
    assert.match(error.message, /INGEST_WRITE_KEYS/);
  });

  test('INGEST_WRITE_KEYS is a CSV list; a too-short key is named', () => {
    const config = loadConfig({ ...LIVE, INGEST_WRITE_KEYS: 'write-key-0001, write-key-0002,' }, CWD);
    assert.deepEqual(config.api.writeKeys, ['write-key-0001', 'write-key-0002']);
    const error = configError({ ...LIVE, INGEST_WRITE_KEYS: 'short' });
    assert.ok(
      error.problems.some((p) => p.startsWith('INGEST_WRITE_KEYS')),
      JSON.stringify(error.problems),
    );
  });
});

describe('loadConfig: other settings', () => {
  test('an invalid API_PORT is named', () => {
    for (const port of ['http', '70000', '-1', '80.5']) {
      const error = configError({ API_PORT: port });
      assert.ok(
        error.problems.some((p) => p.startsWith('API_PORT: ')),
        `${port}: ${JSON.stringify(error.problems)}`,
      );
    }
  });

  test('an empty API_PORT means unset (the default), not port 0', () => {
    assert.equal(loadConfig({ API_PORT: '' }, CWD).api.port, 8080);
  });

  test('an invalid SIMULATOR_EU_PORT is named itself', () => {
    const error = configError({ SIMULATOR_EU_PORT: 'abc' });
    assert.ok(
      error.problems.some((p) => p.startsWith('SIMULATOR_EU_PORT: ')),
      JSON.stringify(error.problems),
    );
    assert.ok(!error.problems.some((p) => p.startsWith('XTREMEPUSH_API_BASE_URL')), JSON.stringify(error.problems));
  });

  test('a valid API_PORT is read as a number', () => {
    assert.equal(loadConfig({ API_PORT: '9090' }, CWD).api.port, 9090);
  });

  test('an invalid DELIVERY_TIMEOUT is named', () => {
    for (const value of ['10', '10 seconds', '1.5s', 'fast']) {
      const error = configError({ DELIVERY_TIMEOUT: value });
      assert.ok(
        error.problems.some((p) => p.startsWith('DELIVERY_TIMEOUT: ')),
        `${value}: ${JSON.stringify(error.problems)}`,
      );
    }
  });

  test('durations are parsed in every unit', () => {
    const config = loadConfig(
      {
        DELIVERY_TIMEOUT: '100ms',
        DELIVERY_RETRY_INITIAL_INTERVAL: '30s',
        DELIVERY_RETRY_MAX_INTERVAL: '5m',
        DELIVERY_RETRY_HORIZON: '24h',
        ANONYMOUS_HOLD_WINDOW: '3s',
      },
      CWD,
    );
    assert.deepEqual(config.delivery, {
      timeoutMs: 100,
      retryInitialIntervalMs: 30_000,
      retryMaxIntervalMs: 300_000,
      retryHorizonMs: 86_400_000,
      anonymousHoldWindowMs: 3_000,
      circuitProbeIntervalMs: 30_000,
      batchWindowMs: 20,
      batchMaxWaitMs: 200,
      batchBacklogWaitMs: 3000,
      maxBatchEvents: 1000,
      maxRequestsInFlight: 8,
      maxRequestsPerSecond: 50,
    });
    assert.equal(loadConfig({ DELIVERY_RETRY_HORIZON: '2d' }, CWD).delivery.retryHorizonMs, 172_800_000);
  });

  test('XTREMEPUSH_CONSENT_CATEGORIES is a CSV list, trimmed, blanks dropped', () => {
    const config = loadConfig({ XTREMEPUSH_CONSENT_CATEGORIES: ' marketing, analytics ,,personalisation' }, CWD);
    assert.deepEqual(config.integrations[0]!.consentCategories, ['marketing', 'analytics', 'personalisation']);
  });

  test('XTREMEPUSH_CONSENT_WHEN_MISSING accepts grant and rejects anything else, naming it', () => {
    assert.equal(loadConfig({ XTREMEPUSH_CONSENT_WHEN_MISSING: 'grant' }, CWD).integrations[0]!.consentWhenMissing, 'grant');
    const error = configError({ XTREMEPUSH_CONSENT_WHEN_MISSING: 'maybe' });
    assert.ok(
      error.problems.some((p) => p.startsWith('XTREMEPUSH_CONSENT_WHEN_MISSING: ')),
      JSON.stringify(error.problems),
    );
  });

  for (const [name, key, most] of [
    ['XTREMEPUSH_BATCH_MAX_WAIT', 'batchMaxWaitMs', '2s'],
    ['XTREMEPUSH_BATCH_BACKLOG_WAIT', 'batchBacklogWaitMs', '3s'],
  ] as const) {
    test(`${name} is a duration of at most ${most}, named when longer`, () => {
      assert.equal(loadConfig({ [name]: '250ms' }, CWD).delivery[key], 250);
      const error = configError({ [name]: '5s' });
      assert.ok(
        error.problems.some((p) => p.startsWith(`${name}: `) && p.includes(`at most ${most}`)),
        JSON.stringify(error.problems),
      );
    });
  }

  test('an invalid XTREMEPUSH_INTEGRATION_ID is named', () => {
    const error = configError({ XTREMEPUSH_INTEGRATION_ID: 'Has Spaces' });
    assert.ok(
      error.problems.some((p) => p.startsWith('XTREMEPUSH_INTEGRATION_ID: ')),
      JSON.stringify(error.problems),
    );
  });

  test('an invalid LOG_LEVEL and DATABASE_URL are named', () => {
    const error = configError({ LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
    assert.ok(
      error.problems.some((p) => p.startsWith('LOG_LEVEL: ')),
      JSON.stringify(error.problems),
    );
    assert.ok(
      error.problems.some((p) => p.startsWith('DATABASE_URL: ')),
      JSON.stringify(error.problems),
    );
  });

  test('several problems are all reported at once', () => {
    const error = configError({ API_PORT: 'x', DELIVERY_TIMEOUT: 'y' });
    assert.ok(error.problems.some((p) => p.startsWith('API_PORT: ')));
    assert.ok(error.problems.some((p) => p.startsWith('DELIVERY_TIMEOUT: ')));
  });

  test('DATA_DIR is resolved against cwd', () => {
    assert.equal(loadConfig({ DATA_DIR: 'state' }, CWD).dataDir, path.resolve(CWD, 'state'));
    assert.equal(loadConfig({ DATA_DIR: '/var/lib/x' }, CWD).dataDir, '/var/lib/x');
  });

  test("TEMPORAL_* settings are read as Temporal's own tools read them; an API key turns TLS on", () => {
    const config = loadConfig(
      {
        TEMPORAL_ADDRESS: 'temporal.example:7233',
        TEMPORAL_NAMESPACE: 'prod',
        TEMPORAL_TASK_QUEUE: 'q',
        TEMPORAL_TLS_SERVER_NAME: 'temporal.example',
      },
      CWD,
    );
    assert.equal(config.temporal.address, 'temporal.example:7233');
    assert.equal(config.temporal.namespace, 'prod');
    assert.equal(config.temporal.taskQueue, 'q');
    assert.deepEqual(config.temporal.connection.tls, { serverNameOverride: 'temporal.example', serverRootCACertificate: undefined, clientCertPair: undefined });
    const cloud = loadConfig({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' }, CWD);
    assert.equal(cloud.temporal.connection.apiKey, 'key-123');
    assert.equal(cloud.temporal.connection.tls, true);
  });

  test('a Temporal profile file gives the address and namespace; the variables win over it', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-profile-')), 'temporal.toml');
    fs.writeFileSync(
      file,
      '[profile.default]\naddress = "profile.example:7233"\nnamespace = "from-profile"\n\n[profile.staging]\naddress = "staging.example:7233"\n',
    );
    const fromFile = loadConfig({ TEMPORAL_CONFIG_FILE: file }, CWD);
    assert.equal(fromFile.temporal.address, 'profile.example:7233');
    assert.equal(fromFile.temporal.namespace, 'from-profile');
    assert.equal(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' }, CWD).temporal.address, 'staging.example:7233');
    assert.equal(loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_NAMESPACE: 'env-wins' }, CWD).temporal.namespace, 'env-wins');
    assert.throws(() => loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'missing' }, CWD), /Temporal connection settings/);
  });
});
