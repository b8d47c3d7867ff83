import { Command } from 'commander';
import { inspectMessage, type DeliveryInspection } from '../../client/inspect';
import { printJson, withTemporal } from '../context';

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('show one event\'s deliveries: the event as received, the hit as sent (no token), every attempt\'s response, the outcome')
    .argument('<messageId>', 'the messageId of the event (as sent, or as answered by the ingest API)')
    .option('--json', 'print JSON')
    .action(async (messageId: string, options: { json?: boolean }) => {
      await withTemporal(async ({ config, client }) => {
        const deliveries = await inspectMessage(client, config.integrations.map((i) => i.id), messageId);
        if (deliveries.length === 0) {
          process.stderr.write(`no delivery of messageId ${messageId} in any integration (${config.integrations.map((i) => i.id).join(', ')}); check the id, or the namespace's retention period\n`);
          process.exitCode = 1;
          return;
        }
        if (options.json) printJson(deliveries);
        else process.stdout.write(deliveries.map(formatInspection).join('\n'));
      });
    });
}

function formatInspection(d: DeliveryInspection): string {
  const lines = [
    `delivery ${d.workflowId} (integration ${d.integrationId}): ${d.status.toLowerCase()}${d.outcome ? `, ${d.outcome}` : ''}`,
    `  received: ${JSON.stringify(d.received)}`,
    `  sent:     ${d.hit ? JSON.stringify({ apptoken: '[redacted]', ...d.hit }) : '(nothing sent)'}`,
    ...d.attempts.map(
      (a) =>
        `  attempt ${a.attempt} at ${a.at}: ${a.response ? `HTTP ${a.response.status} ${JSON.stringify(a.response.body)}` : 'no response'}` +
        (a.outcome === 'failed' ? ` -> ${a.failureClass}: ${a.message}` : ' -> accepted'),
    ),
  ];
  if (d.result) lines.push(`  outcome:  ${d.result.outcome}${d.result.outcome === 'dropped' ? ` (${d.result.reason}): ${d.result.detail}` : ''}`);
  if (d.failure) lines.push(`  outcome:  failed (${d.failure.type}): ${d.failure.message}`);
  return `${lines.join('\n')}\n`;
}
