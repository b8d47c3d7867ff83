import { Command } from 'commander';
import { deliveryQuery } from '../../client/queries';
import { replayDeliveries, selectDeliveries } from '../../client/replay';
import { printJson, progressBar, withTemporal } from '../context';

interface ReplayOptions {
  query?: string;
  integration?: string;
  outcome: string;
  failureClass?: string;
  since?: string;
  until?: string;
  dryRun?: boolean;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description('re-deliver finished deliveries (by default the failed ones); running it twice delivers nothing twice')
    .option('--query <visibility query>', "a Temporal visibility query, e.g. \"XpFailureClass = 'bad_request'\" (replaces the filters below)")
    .option('--integration <id>', 'only this integration')
    .option('--outcome <outcome>', 'failed or dropped', 'failed')
    .option('--failure-class <class>', 'bad_request, payload_too_large, retries_exhausted, auth, configuration')
    .option('--since <time>', 'deliveries started at or after this ISO time')
    .option('--until <time>', 'deliveries started before this ISO time')
    .option('--dry-run', 'print how many would be replayed and a sample, start nothing')
    .action(async (options: ReplayOptions) => {
      await withTemporal(async ({ config, client }) => {
        const query = options.query ?? deliveryQuery({ taskQueue: config.temporal.taskQueue, integration: options.integration, outcome: options.outcome, failureClass: options.failureClass, since: options.since, until: options.until });
        const candidates = await selectDeliveries(client, query);
        if (options.dryRun) {
          return printJson({ query, count: candidates.length, sample: candidates.slice(0, 10).map((c) => ({ workflowId: c.workflowId, outcome: c.outcome, failureClass: c.failureClass })) });
        }
        const report = await replayDeliveries(client, config.temporal.taskQueue, candidates, progressBar('replaying'));
        printJson({ query, selected: report.selected, started: report.started.length, alreadyReplayed: report.alreadyReplayed, workflowIds: report.started });
      });
    });
}
