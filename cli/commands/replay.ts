import { Command } from 'commander';
import { userIdFilter } from '../../client/privacy';
import { deliveryQuery, ENDED_STATUSES } from '../../client/queries';
import { replayDeliveries, selectDeliveries } from '../../client/replay';
import { FINAL_FAILURES } from '../../workflows/vocabulary';
import { printJson, printLines, progressBar, withTemporal } from '../context';

interface ReplayOptions {
  query?: string;
  integration?: string;
  outcome: string;
  failureClass?: string;
  since?: string;
  until?: string;
  userId?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('re-deliver finished deliveries (by default the failed ones); running it twice delivers nothing twice')
    .option('--query <visibility query>', 'a Temporal visibility query, e.g. "XpFailureClass = \'bad_request\'" (replaces the filters below)')
    .option('--integration <id>', 'only this integration')
    .option(
      '--outcome <outcome>',
      'failed, dropped, or ended (terminated or timed out by Temporal or an operator; one an operator cancelled ended dropped: cancelled)',
      'failed',
    )
    .option('--failure-class <class>', FINAL_FAILURES.join(', '))
    .option('--since <time>', 'deliveries started at or after this ISO time')
    .option('--until <time>', 'deliveries started before this ISO time')
    .option('--user-id <id>', 'only deliveries of events with this userId (needs PRIVACY_HASH_KEY)')
    .option('--dry-run', 'print how many would be replayed and a sample, start nothing')
    .option('--json', 'print JSON')
    .action(async (options: ReplayOptions) => {
      await withTemporal(async ({ config, client }) => {
        const ended = options.outcome === 'ended';
        const query =
          options.query ??
          deliveryQuery({
            taskQueue: config.temporal.taskQueue,
            integration: options.integration,
            ...(ended ? { status: ENDED_STATUSES } : { outcome: options.outcome }),
            failureClass: options.failureClass,
            since: options.since,
            until: options.until,
            ...(options.userId ? userIdFilter(config.privacy.hashKey, options.userId) : {}),
          });
        const candidates = await selectDeliveries(client, query);
        const sample = candidates.slice(0, 10).map((c) => ({ workflowId: c.workflowId, outcome: c.outcome, failureClass: c.failureClass }));
        if (options.dryRun) {
          if (options.json) return printJson({ query, count: candidates.length, sample });
          const lines = sample.map(
            (c) => `  ${c.workflowId} (${c.outcome ?? 'ended by Temporal or an operator'}${c.failureClass ? `: ${c.failureClass}` : ''})`,
          );
          const more = candidates.length > sample.length ? [`  ... and ${candidates.length - sample.length} more`] : [];
          return printLines([
            `${candidates.length} deliveries would be replayed (query: ${query})`,
            ...lines,
            ...more,
            candidates.length > 0 ? 'Run again without --dry-run to replay them.' : '',
          ]);
        }
        const report = await replayDeliveries(client, config.temporal.taskQueue, candidates, progressBar('replaying'));
        if (options.json)
          return printJson({
            query,
            selected: report.selected,
            started: report.started.length,
            alreadyReplayed: report.alreadyReplayed,
            workflowIds: report.started,
          });
        printLines([
          `replayed ${report.started.length} of ${report.selected} selected deliveries (query: ${query})`,
          ...(report.alreadyReplayed > 0 ? [`${report.alreadyReplayed} had been replayed by an earlier run and were not started again`] : []),
          ...(report.started.length > 0
            ? ['Follow them with `npm run cli -- inspect <workflow id>`:', ...report.started.slice(0, 10).map((w) => `  ${w}`)]
            : []),
        ]);
      });
    });
}
