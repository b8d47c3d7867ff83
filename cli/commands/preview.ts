import fs from 'node:fs';
import { Command } from 'commander';
import { previewEvent, type PreviewStep } from '../../client/preview';
import { loadConfig } from '../../config/load';
import { openIdentityStore } from '../../identity/store';
import { printJson } from '../context';

export function previewCommand(): Command {
  return new Command('preview')
    .description('map an event (JSON) with the current configuration without sending it, showing the stitching, consent and mapping decisions')
    .argument('[file]', 'a JSON file with one Segment-style event (with "type"); standard input when absent')
    .option('--json', 'print JSON')
    .action(async (file: string | undefined, options: { json?: boolean }) => {
      const config = loadConfig();
      const body = JSON.parse(fs.readFileSync(file ?? 0, 'utf8')) as unknown;
      // The embedded store belongs to the running worker process; only a shared PostgreSQL store is read here.
      const store = config.database.url
        ? await openIdentityStore({ kind: 'postgres', connectionString: config.database.url, schema: config.database.schema })
        : null;
      try {
        const steps = await previewEvent(body, config.integrations, store);
        if (options.json) return printJson(steps);
        for (const step of steps) process.stdout.write(formatStep(step));
      } finally {
        await store?.close();
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
