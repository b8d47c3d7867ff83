import { Command } from 'commander';
import { resumeParked } from '../../client/operator';
import { printJson, withTemporal } from '../context';

export function resumeCommand(): Command {
  return new Command('resume')
    .description('release parked deliveries: probe Xtremepush now (after fixing the token or base URL) and resume them all if it works')
    .option('--integration <id>', 'only this integration (default: all)')
    .option('--force', 'resume every parked delivery at once, without waiting for a successful probe')
    .action(async (options: { integration?: string; force?: boolean }) => {
      await withTemporal(async ({ config, client }) => {
        const ids = options.integration ? [options.integration] : config.integrations.map((i) => i.id);
        printJson(await Promise.all(ids.map((id) => resumeParked(client, id, { force: options.force }))));
      });
    });
}
