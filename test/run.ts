import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { withTestEnvironment } from './environment';

/**
 * README command 2 after setup: one real Temporal dev server and one workflow bundle shared by every test file,
 * then Node's test runner over all *.test.ts files. Exits with the runner's code.
 */
async function main() {
  const root = path.resolve(__dirname, '..');
  const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : findTests(root);
  const code = await withTestEnvironment(async (environment) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...environment },
    });
    return new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? 1)));
  });
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
