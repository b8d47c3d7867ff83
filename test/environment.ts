import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createLogger } from '../app/logger';
import { startDevServer } from '../temporal/dev-server';
import { WORKFLOWS_PATH } from '../worker/bundles';
import { freePort } from './ports';

/** What test/harness.ts needs from its environment: a running Temporal and a prebuilt workflow bundle. */
export interface TestEnvironment {
  TEST_TEMPORAL_ADDRESS: string;
  TEST_WORKFLOW_BUNDLE: string;
}

/**
 * One headless Temporal dev server and one workflow bundle for the duration of `run`, shared by the test runner, the
 * fixture recorder and the benchmark.
 */
export async function withTestEnvironment<T>(run: (env: TestEnvironment) => Promise<T>): Promise<T> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-env-'));
  const server = await startDevServer({ port: await freePort(), uiPort: null, namespace: 'default', logger, readyTimeoutMs: 120_000 });
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    const bundlePath = path.join(workDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    return await run({ TEST_TEMPORAL_ADDRESS: server.address, TEST_WORKFLOW_BUNDLE: bundlePath });
  } finally {
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
