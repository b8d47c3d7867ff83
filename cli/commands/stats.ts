import { Command } from 'commander';
import { userIdFilter } from '../../client/privacy';
import { deliveryStats, type DeliveryStats } from '../../client/stats';
import { printJson, printLines, withTemporal } from '../context';

export function statsCommand(): Command {
  return new Command('stats')
    .description('count deliveries by outcome and reason over a time range (received, delivered, stored, dropped, failed, waiting)')
    .option('--since <time>', 'deliveries started at or after this ISO time (default: 24 hours ago)')
    .option('--until <time>', 'deliveries started before this ISO time')
    .option('--integration <id>', 'only this integration')
    .option('--user-id <id>', 'only deliveries of events with this userId (needs PRIVACY_HASH_KEY)')
    .option('--json', 'print JSON')
    .action(async (options: { since?: string; until?: string; integration?: string; userId?: string; json?: boolean }) => {
      await withTemporal(async ({ config, client }) => {
        const since = options.since ?? new Date(Date.now() - 86_400_000).toISOString();
        const filter = {
          taskQueue: config.temporal.taskQueue,
          since,
          until: options.until,
          integration: options.integration,
          ...(options.userId ? userIdFilter(config.privacy.hashKey, options.userId) : {}),
        };
        const stats = await deliveryStats(client, filter);
        if (options.json) return printJson(stats);
        printLines(formatStats(stats, since, options.until));
      });
    });
}

function formatStats(stats: DeliveryStats, since: string, until?: string): string[] {
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${n} ${reason}`)
      .join(', ');
  const total = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
  const row = (label: string, n: number, detail = '') => `  ${label.padEnd(11)}${String(n).padStart(8)}${detail ? `   ${detail}` : ''}`;
  return [
    `deliveries started ${since}${until ? ` .. ${until}` : ' until now'}`,
    row('received', stats.received),
    row('delivered', stats.delivered),
    row('stored', stats.stored, 'identify, alias and group calls: what they say was stored'),
    row('dropped', total(stats.dropped), counts(stats.dropped)),
    row('failed', total(stats.failed), counts(stats.failed)),
    row('ended', stats.ended, stats.ended > 0 ? 'terminated or timed out: `npm run cli -- replay --outcome ended` re-delivers them' : ''),
    row('held', stats.held, 'anonymous events waiting for an identify'),
    row('parked', stats.parked, stats.parked > 0 ? 'waiting for working credentials: `npm run cli -- doctor`, then `resume`' : ''),
    row('retrying', stats.retrying),
    row('delivering', stats.inProgress),
  ];
}
