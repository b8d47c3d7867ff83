import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { SANDBOX } from '../config/load';
import { MARKETING_GRANTED, SEED_ORDER_COMPLETED, spawnEntry } from './harness';
import { freePort } from './ports';

/** README command 1, as a user runs it: the whole service in one process, in sandbox mode, with state in DATA_DIR. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sxp-start-'));
let ports: Record<string, number>;
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The compiled build (scripts/build.sh), as `npm start` runs it: plain node, no TypeScript at run time. */
async function startService(): Promise<{ child: ChildProcess; exited: Promise<number | null>; output: () => string }> {
  const { child, exited, output } = spawnEntry(
    'dist/app/start.js',
    {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      API_PORT: String(ports.api),
      TEMPORAL_DEV_PORT: String(ports.temporal),
      TEMPORAL_UI_PORT: String(ports.ui),
      SIMULATOR_EU_PORT: String(ports.eu),
      SIMULATOR_US_PORT: String(ports.us),
    },
    children,
    { compiled: true },
  );
  const deadline = Date.now() + 120_000;
  while (!output().includes('"msg":"ready:')) {
    if (child.exitCode !== null) assert.fail(`the service exited early:\n${output()}`);
    if (Date.now() > deadline) assert.fail(`the service did not become ready:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, exited, output };
}

async function post(pathname: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${ports.api}${pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${SANDBOX.writeKey}:`).toString('base64')}` },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { deliveries: Array<{ workflowId: string }> };
}

test('the start command runs dev server, Web UI, worker, API and simulator; state survives a restart', async () => {
  ports = { api: await freePort(), temporal: await freePort(), ui: await freePort(), eu: await freePort(), us: await freePort() };
  const first = await startService();
  assert.match(first.output(), /SANDBOX MODE/);
  const processes = processTree(first.child.pid!);
  assert.ok(
    processes.some((cmd) => cmd.includes('dist/app/start.js')),
    processes.join('\n'),
  );
  assert.deepEqual(
    processes.filter((cmd) => /\btsx\b/.test(cmd)),
    [],
    'no tsx process runs the service',
  );

  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  const client = new Client({ connection });
  let trackWorkflowId: string;
  try {
    const identify = await post('/v1/identify', { userId: 'crm-12345', traits: { email: 'jane.doe@example.com' }, context: MARKETING_GRANTED });
    await client.workflow.getHandle(identify.deliveries[0]!.workflowId).result();
    const track = await post('/v1/track', SEED_ORDER_COMPLETED);
    trackWorkflowId = track.deliveries[0]!.workflowId;
    assert.equal((await client.workflow.getHandle(trackWorkflowId).result()).outcome, 'delivered');

    const received = (
      (await (await fetch(`http://127.0.0.1:${ports.eu}/__simulator/received`)).json()) as Array<{ path: string; body: unknown; project: string }>
    ).filter((r) => r.path.startsWith('/api/external/hit/'));
    assert.equal(received.length, 1);
    assert.equal(received[0]!.project, 'sandbox-eu');
    assert.deepEqual(received[0]!.body, {
      apptoken: '***', // the simulator's HTTP view redacts the token it received
      user_id: 'crm-12345',
      event: 'purchase',
      timestamp: '2026-06-06 11:36:00 +00:00',
      user_attributes: { email: 'jane.doe@example.com' },
      value: { order_id: 'ORD-001', revenue: 129.99, currency: 'USD' },
    });

    // The Web UI is served and lists the delivery through its own API.
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    assert.equal(ui.status, 200);
    const listed = await fetch(
      `http://127.0.0.1:${ports.ui}/api/v1/namespaces/default/workflows?query=${encodeURIComponent(`WorkflowId="${trackWorkflowId}"`)}`,
    );
    assert.equal(listed.status, 200);
    assert.match(await listed.text(), new RegExp(trackWorkflowId));
  } finally {
    await connection.close();
  }

  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, first.output());

  // Same DATA_DIR: the delivery recorded before the restart is still there.
  const second = await startService();
  const again = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  try {
    const description = await new Client({ connection: again }).workflow.getHandle(trackWorkflowId).describe();
    assert.equal(description.status.name, 'COMPLETED');
  } finally {
    await again.close();
  }
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
});

/** The command lines of a process and all its descendants, as `ps` would show them. */
function processTree(pid: number): string[] {
  const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  const children = fs
    .readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return [cmdline, ...children.flatMap(processTree)];
}
