import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { EU_TOKEN, startTestStack, type TestStack } from './harness';

/**
 * What users get: the package as `npm pack` makes it (the client library for Signal, with its type declarations), and
 * the production dependency tree, which runs the compiled build and holds no TypeScript toolchain.
 */

const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, maxBuffer: 64 * 1024 * 1024 });

interface NpmTree {
  dependencies?: Record<string, NpmTree>;
}

describe('the production dependency tree', () => {
  test('holds no TypeScript compiler, tsx or esbuild; a bundler only under @temporalio/worker', async (t) => {
    const { stdout } = await npm(['ls', '--omit=dev', '--all', '--json'], ROOT);
    const found: string[] = [];
    const walk = (tree: NpmTree, trail: string[]) => {
      for (const [name, child] of Object.entries(tree.dependencies ?? {})) {
        found.push([...trail, name].join(' > '));
        walk(child, [...trail, name]);
      }
    };
    walk(JSON.parse(stdout) as NpmTree, []);
    const named = (name: string) => found.filter((trail) => trail.split(' > ').at(-1) === name);
    for (const forbidden of ['typescript', 'tsx', 'esbuild']) assert.deepEqual(named(forbidden), [], `${forbidden} is a production dependency`);
    const bundler = ['webpack', '@swc/core', 'swc-loader'].flatMap(named);
    t.diagnostic(`bundler packages that remain (the worker package's own, unused with the prebuilt bundle): ${bundler.join('; ')}`);
    assert.ok(
      bundler.every((trail) => trail.startsWith('@temporalio/worker > ')),
      bundler.join('; '),
    );
  });
});

describe('the client library, packed and installed elsewhere', () => {
  let stack: TestStack;
  let project: string;
  before(async () => {
    stack = await startTestStack();
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-consumer-'));
  });
  after(async () => {
    await stack?.close();
    fs.rmSync(project, { recursive: true, force: true });
  });

  test("delivers the README's example from an empty project, with type declarations", async () => {
    // The suite's build (scripts/test.sh) is what `npm pack` packs; its prepack would build it again.
    const { stdout } = await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', project], ROOT);
    const [{ filename }] = JSON.parse(stdout) as Array<{ filename: string }>;
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'signal-consumer', private: true }));
    await npm(['install', '--prefer-offline', path.join(project, filename)], project);

    fs.writeFileSync(
      path.join(project, 'send.ts'),
      `import { connectDeliveryClient, type DeliveryResult } from 'signal-xtremepush';

async function main(): Promise<void> {
  const deliveries = await connectDeliveryClient();
  try {
    await deliveries.identify({ userId: 'crm-12345', traits: { email: 'jane.doe@example.com' } });
    const [started] = await deliveries.track({
      userId: 'crm-12345',
      event: 'Order Completed',
      properties: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
      context: { consent: { categoryPreferences: { marketing: true } } },
    });
    const result: DeliveryResult = await deliveries.result(started!.workflowId);
    console.log(JSON.stringify({ workflowId: started!.workflowId, outcome: result.outcome }));
  } finally {
    await deliveries.close();
  }
}
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`,
    );
    // Checked against the installed declarations (strict), then compiled and run with plain node.
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    await run(
      process.execPath,
      [
        tsc,
        '--strict',
        '--module',
        'commonjs',
        '--target',
        'es2022',
        '--moduleResolution',
        'node10',
        '--types',
        'node',
        '--typeRoots',
        path.join(ROOT, 'node_modules/@types'),
        '--skipLibCheck',
        'send.ts',
      ],
      { cwd: project },
    );
    const env = { PATH: process.env.PATH ?? '', ...stack.env };
    const { stdout: out } = await run(process.execPath, ['send.js'], { cwd: project, env });
    const answer = JSON.parse(out) as { workflowId: string; outcome: string };
    assert.equal(answer.outcome, 'delivered');
    assert.deepEqual(
      stack.simulator.hits({ user_id: 'crm-12345', event: 'purchase' }).map(({ user_attributes, value }) => ({ user_attributes, value })),
      [{ user_attributes: { email: 'jane.doe@example.com' }, value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' } }],
    );
    assert.equal((stack.simulator.received().at(-1)!.body as { apptoken?: string }).apptoken, EU_TOKEN);
  });
});
