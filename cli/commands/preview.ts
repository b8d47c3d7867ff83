import fs from 'node:fs';
import { Command } from 'commander';
import { previewEvent } from '../../client/preview';
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
        for (const step of steps) {
          process.stdout.write(`integration ${step.integrationId}\n  stitching: ${step.stitching.note}\n`);
          if (step.consent) process.stdout.write(`  consent:   ${step.consent.allowed ? `granted (${step.consent.granted.join(', ') || 'none required'})` : `dropped: ${step.consent.detail}`}\n`);
          if (step.mapping?.action === 'send') process.stdout.write(`  would send: ${JSON.stringify({ apptoken: '[redacted]', ...step.mapping.hit })}\n`);
          if (step.mapping?.action === 'drop') process.stdout.write(`  dropped:   ${step.mapping.reason}: ${step.mapping.detail}\n`);
        }
      } finally {
        await store?.close();
      }
    });
}
