import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import { inspectMessage, listDeliveries, type DeliveryInspection } from '../../client/inspect';
import { userIdFilter } from '../../client/privacy';
import { deliveryQuery } from '../../client/queries';
import type { LoadedConfig } from '../../config/load';
import type { DeliveryAttempt } from '../../workflows/contracts';
import { printJson, printLines, withTemporal } from '../context';

export function inspectCommand(): Command {
  return new Command('inspect')
    .description("show one event's deliveries: the event as received, what was decided, the hit as sent (no token), the attempts, the outcome")
    .argument('[id]', "the messageId of the event, or a delivery's workflow id as the ingest API answered it")
    .option('--user-id <id>', "list a person's deliveries instead (events that carried this userId; needs PRIVACY_HASH_KEY)")
    .option('--limit <n>', 'with --user-id: the newest deliveries to list', '50')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, options: { userId?: string; limit: string; json?: boolean }) => {
      await withTemporal(async ({ config, client }) => {
        if (options.userId) return listPersonDeliveries(client, config, options.userId, Number(options.limit), options.json);
        if (!id) throw new Error("give a messageId or workflow id, or --user-id to list a person's deliveries");
        const deliveries = await inspectMessage(
          client,
          config.integrations.map((i) => i.id),
          id,
        );
        if (deliveries.length === 0) {
          process.stderr.write(
            `no delivery with messageId or workflow id ${id} in any integration (${config.integrations.map((i) => i.id).join(', ')}); check the id, or the namespace's retention period\n`,
          );
          process.exitCode = 1;
          return;
        }
        if (options.json) printJson(deliveries);
        else process.stdout.write(deliveries.map(formatInspection).join('\n'));
      });
    });
}

async function listPersonDeliveries(client: Client, config: LoadedConfig, userId: string, limit: number, json?: boolean): Promise<void> {
  const query = deliveryQuery({ taskQueue: config.temporal.taskQueue, ...userIdFilter(config.privacy.hashKey, userId) });
  const deliveries = await listDeliveries(client, query, limit);
  if (json) return printJson(deliveries);
  if (deliveries.length === 0)
    return printLines([
      `no deliveries of events with this userId (query: ${query}); deliveries started while PRIVACY_HASH_KEY was unset or different cannot be found by person`,
    ]);
  printLines([
    ...deliveries.map((d) => `${d.startTime}  ${d.workflowId}  ${d.sourceEvent ?? ''}  ${d.outcome ?? d.status.toLowerCase()}`),
    deliveries.length === limit ? `(the newest ${limit}; --limit shows more)` : '',
    'Details of one: `npm run cli -- inspect <workflow id>`',
  ]);
}

function formatInspection(d: DeliveryInspection): string {
  const { times } = d;
  const claimed = times.originalTimestamp ?? times.timestamp;
  const lines = [
    `delivery ${d.workflowId} (integration ${d.integrationId}): ${d.status.toLowerCase()}${d.outcome ? `, ${d.outcome}` : ''}`,
    `  received: ${JSON.stringify(d.received)}`,
    `  times:    received ${times.receivedAt}; happened ${times.at}${claimed && claimed !== times.at ? ` (the client said ${claimed}${times.sentAt ? `, sent at ${times.sentAt}` : ''}: corrected for its clock)` : ''}`,
  ];
  if (d.decision) lines.push(`  decided:  ${describeDecision(d.decision)}`);
  lines.push(`  sent:     ${d.hit ? JSON.stringify({ apptoken: '[redacted]', ...d.hit }) : '(nothing sent)'}`);
  const { first, last, count } = d.attempts;
  if (first) lines.push(formatAttempt(first));
  if (count > 2) lines.push(`  ... ${count - 2} more attempts ...`);
  if (last && last !== first && last.attempt !== first?.attempt) lines.push(formatAttempt(last));
  if (d.retrying)
    lines.push(`  retrying: attempt ${d.retrying.nextAttempt} is scheduled${d.retrying.lastFailure ? `; the last one: ${d.retrying.lastFailure}` : ''}`);
  if (d.details) lines.push(`  now:      ${d.details}`);
  if (d.result)
    lines.push(
      `  outcome:  ${d.result.outcome}${d.result.outcome === 'dropped' ? ` (${d.result.reason}): ${d.result.detail}` : d.result.outcome === 'stored' ? `: ${d.result.detail}` : ''}`,
    );
  if (d.failure) lines.push(`  outcome:  failed (${d.failure.type}): ${d.failure.message}`);
  return `${lines.join('\n')}\n`;
}

function describeDecision(decision: NonNullable<DeliveryInspection['decision']>): string {
  switch (decision.kind) {
    case 'send':
      return `send as user ${decision.userId} (consent ${decision.consentGranted.length ? `granted: ${decision.consentGranted.join(', ')}` : 'not required'})`;
    case 'stored':
      return `stored for user ${decision.userId}: ${decision.detail}`;
    case 'drop':
      return `drop (${decision.reason}): ${decision.detail}`;
    case 'unidentified':
      return `hold until the anonymousId is identified (hold ${decision.holdWorkflowId})`;
  }
}

function formatAttempt(a: DeliveryAttempt): string {
  const batch = a.batch && a.batch.size > 1 ? ` in a batch of ${a.batch.size} (${a.batch.id})` : '';
  const answer = a.response ? `HTTP ${a.response.status} ${JSON.stringify(a.response.body)}` : 'no response';
  return `  attempt ${a.attempt} at ${a.at}${batch}: ${answer}` + (a.outcome === 'failed' ? ` -> ${a.failureClass}: ${a.message}` : ' -> accepted');
}
