import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { previewedEvent, previewThroughService, type PreviewStep } from '../../client/preview';
import { loadConfig } from '../../config/load';
import { openIdentityStore } from '../../identity/store';
import { previewSteps } from '../../mapping/preview';
import { printJson, tryConnect } from '../context';

export function previewCommand(): Command {
  return new Command('preview')
    .description('map an event (JSON) with the current configuration without sending it, showing the stitching, consent and mapping decisions')
    .argument('[file]', 'a JSON file with one Segment-style event (with "type"); standard input when absent')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const config = loadConfig();
      const event = previewedEvent(JSON.parse(fs.readFileSync(file ?? 0, 'utf8')) as unknown);
      const { steps, source } = await preview(config, event);
      if (options.json) return printJson(steps);
      process.stderr.write(`${source}\n`);
      for (const step of steps) process.stdout.write(formatStep(step));
    });
}

type Config = ReturnType<typeof loadConfig>;

/**
 * Where stored traits and consent come from: the shared PostgreSQL store; else the running service, whose process owns
 * the embedded store (asked through its worker); else, the service stopped, the embedded store itself.
 */
async function preview(config: Config, event: Parameters<typeof previewSteps>[0]): Promise<{ steps: PreviewStep[]; source: string }> {
  if (config.database.url) {
    const store = await openIdentityStore({ kind: 'postgres', connectionString: config.database.url, schema: config.database.schema });
    try {
      return { steps: await previewSteps(event, config.integrations, store), source: 'stored data read from PostgreSQL (DATABASE_URL)' };
    } finally {
      await store.close();
    }
  }
  const temporal = await tryConnect(config);
  if (temporal) {
    try {
      return { steps: await previewThroughService(temporal.client, config.temporal.taskQueue, event), source: 'stored data read by the running service' };
    } catch (error) {
      const steps = await previewSteps(event, config.integrations, null);
      return { steps, source: `stored data NOT read: Temporal answers but no worker of task queue ${config.temporal.taskQueue} took the preview (${(error as Error).message}); is the service running with these settings?` };
    } finally {
      await temporal.close();
    }
  }
  const dir = path.join(config.dataDir, 'identity');
  if (!fs.existsSync(dir)) {
    return { steps: await previewSteps(event, config.integrations, null), source: `stored data NOT read: nothing is stored yet (no ${dir}) and the service is not running` };
  }
  // The service is stopped (its Temporal does not answer), so nothing else has the embedded store open.
  const store = await openIdentityStore({ kind: 'embedded', dataDir: dir });
  try {
    return { steps: await previewSteps(event, config.integrations, store), source: `stored data read from ${dir} (the service is not running)` };
  } finally {
    await store.close();
  }
}

function formatStep({ integrationId, preparation: p, stitching }: PreviewStep): string {
  const lines = [`integration ${integrationId}`, `  stitching: ${stitching}`];
  if (p.kind === 'send') {
    lines.push(`  consent:   granted (${p.consentGranted.join(', ') || 'none required'})`);
    lines.push(`  would send: ${JSON.stringify({ apptoken: '[redacted]', ...p.hit })}`);
  } else if (p.kind === 'drop' && p.reason === 'consent') lines.push(`  consent:   dropped: ${p.detail}`);
  else if (p.kind === 'drop') lines.push(`  dropped:   ${p.reason}: ${p.detail}`);
  else if (p.kind === 'stored') lines.push(`  stored:    ${p.detail}`);
  return `${lines.join('\n')}\n`;
}
