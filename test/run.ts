import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { createLogger } from '../app/logger';
import { startDevServer } from '../temporal/dev-server';
import { WORKFLOWS_PATH } from '../worker/create-worker';
import { freePort } from './ports';

/**
 * README command 2 after setup: one real Temporal dev server and one workflow bundle shared by every test file,
 * then Node's test runner over all *.test.ts files. Exits with the runner's code.
 */
async function main() {
  const root = path.resolve(__dirname, '..');
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  const workDir = path.join(root, '.data', 'test');
  fs.mkdirSync(workDir, { recursive: true });

  const server = await startDevServer({ port: await freePort(), uiPort: null, namespace: 'default', logger, readyTimeoutMs: 120_000 });
  let code = 1;
  try {
    const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
    const bundlePath = path.join(workDir, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);

    const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : findTests(root);
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, TEST_TEMPORAL_ADDRESS: server.address, TEST_WORKFLOW_BUNDLE: bundlePath },
    });
    code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  } finally {
    await server.stop();
  }
  process.exit(code);
}

function findTests(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.test.ts')) found.push(path.relative(root, full));
    }
  };
  walk(root);
  return found.sort();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
