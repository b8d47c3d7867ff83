import fs from 'node:fs';
import { Command } from 'commander';
import { previewedEvent, previewThroughService, type PreviewStep } from '../../client/preview';
import { loadConfig } from '../../config/load';
import { previewSteps } from '../../mapping/preview';
import { printJson } from '../context';
import { withStoreAccess } from '../store-access';

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

/** Stored traits and consent are read where the identity store is (cli/store-access.ts); nothing is written. */
async function preview(config: ReturnType<typeof loadConfig>, event: Parameters<typeof previewSteps>[0]): Promise<{ steps: PreviewStep[]; source: string }> {
  return withStoreAccess(config, { temporal: false }, async (access) => {
    if (access.via === 'store')
      return { steps: await previewSteps(event, config.integrations, access.store), source: `stored data read from ${access.source}` };
    if (access.via === 'none') return { steps: await previewSteps(event, config.integrations, null), source: `stored data NOT read: ${access.source}` };
    try {
      return { steps: await previewThroughService(access.temporal, config.temporal.taskQueue, event), source: 'stored data read by the running service' };
    } catch (error) {
      const steps = await previewSteps(event, config.integrations, null);
      return {
        steps,
        source: `stored data NOT read: Temporal answers but no worker of task queue ${config.temporal.taskQueue} took the preview (${(error as Error).message}); is the service running with these settings?`,
      };
    }
  });
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
