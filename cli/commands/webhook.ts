import { Command, Option } from 'commander';
import { request } from 'undici';

const EVENTS = ['message_send', 'message_delivery', 'message_open', 'message_click', 'message_failure', 'message_unsubscribe'] as const;

/** A body shaped like Xtremepush's (seed 001), so a connection can be tested before it goes live (seed 002's advice). */
export function sampleMessageEvent(event: (typeof EVENTS)[number], userId: string, now = Date.now()) {
  return {
    event,
    time: Math.floor(now / 1000),
    properties: {
      message_type: 'email',
      campaign_id: '1001',
      profile_id: 'sample-profile-1',
      trigger_id: `sample-${now}`,
      user_id: userId,
      email: 'sample.user@example.com',
      ...(event === 'message_failure' ? { error_message: 'Mailbox unavailable (sample)' } : {}),
    },
  };
}

export function webhookCommand(): Command {
  const webhook = new Command('webhook').description('test Xtremepush webhook connections');
  webhook
    .command('send-sample')
    .description('POST a sample campaign message event to a running webhook receiver, as Xtremepush would')
    .requiredOption('--url <url>', 'the receiver endpoint, e.g. https://hooks.example.com/webhooks/xtremepush/main')
    .addOption(new Option('--event <name>', 'the message event to send').choices(EVENTS).default('message_send'))
    .option('--user-id <id>', 'the user_id the sample event is about', 'sample-user')
    .addOption(new Option('--auth <type>', 'how the connection authenticates').choices(['basic', 'bearer']).makeOptionMandatory())
    .option('--username <name>', 'Basic Auth username')
    .option('--password <password>', 'Basic Auth password')
    .option('--token <token>', 'Bearer token')
    .action(async (options: { url: string; event: (typeof EVENTS)[number]; userId: string; auth: 'basic' | 'bearer'; username?: string; password?: string; token?: string }) => {
      const authorization =
        options.auth === 'basic'
          ? `Basic ${Buffer.from(`${options.username ?? ''}:${options.password ?? ''}`).toString('base64')}`
          : `Bearer ${options.token ?? ''}`;
      const body = sampleMessageEvent(options.event, options.userId);
      let res;
      try {
        res = await request(options.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body: JSON.stringify(body) });
      } catch (error) {
        throw new Error(`could not reach ${options.url} (${(error as Error).message}): check the URL and that the receiver is running`);
      }
      const text = await res.body.text();
      process.stdout.write(`HTTP ${res.statusCode}\n${text}\n`);
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      const hint =
        res.statusCode === 401
          ? 'the receiver refused the credentials: use the same --auth and credentials as the connection in XTREMEPUSH_WEBHOOKS'
          : res.statusCode === 404
            ? 'no such connection on the receiver: the URL must end with /webhooks/xtremepush/<connection name>'
            : 'see the response above';
      process.stderr.write(`the receiver did not accept the sample: ${hint}\n`);
      process.exitCode = 1;
    });
  return webhook;
}
