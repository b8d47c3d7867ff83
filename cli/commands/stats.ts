import { Command } from 'commander';
import { deliveryStats } from '../../client/stats';
import { printJson, withTemporal } from '../context';

export function statsCommand(): Command {
  return new Command('stats')
    .description('count deliveries by outcome and reason over a time range (received, delivered, dropped, held, parked, failed)')
    .option('--since <time>', 'deliveries started at or after this ISO time (default: 24 hours ago)')
    .option('--until <time>', 'deliveries started before this ISO time')
    .option('--integration <id>', 'only this integration')
    .action(async (options: { since?: string; until?: string; integration?: string }) => {
      await withTemporal(async ({ config, client }) => {
        const since = options.since ?? new Date(Date.now() - 86_400_000).toISOString();
        const filter = { taskQueue: config.temporal.taskQueue, since, until: options.until, integration: options.integration };
        printJson(await deliveryStats(client, filter));
      });
    });
}
