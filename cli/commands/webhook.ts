import { Command, InvalidArgumentError, Option } from 'commander';
import { request } from 'undici';
import { z } from 'zod';
import { describeIssues } from '../../errors/issues';

const EVENTS = ['message_send', 'message_delivery', 'message_open', 'message_click', 'message_failure', 'message_unsubscribe'] as const;

/** A body shaped like Xtremepush's message events, so a connection can be tested before it goes live. */
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

// Checked before anything is sent: a missing credential would only come back as a 401 that hides which one.
const credentialsSchema = z.discriminatedUnion('auth', [
  z.object({
    auth: z.literal('basic'),
    username: z.string({ error: '--auth basic needs --username' }).min(1, '--username must not be empty'),
    password: z.string({ error: '--auth basic needs --password' }).min(1, '--password must not be empty'),
  }),
  z.object({ auth: z.literal('bearer'), token: z.string({ error: '--auth bearer needs --token' }).min(1, '--token must not be empty') }),
]);

function authorizationOf(options: unknown): string {
  const parsed = credentialsSchema.safeParse(options);
  if (!parsed.success) throw new Error(`${describeIssues(parsed.error, { root: 'options' }).join('; ')} (see --help)`);
  const credentials = parsed.data;
  return credentials.auth === 'basic'
    ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
    : `Bearer ${credentials.token}`;
}

function parseUrl(value: string): string {
  if (!z.url({ protocol: /^https?$/ }).safeParse(value).success) {
    throw new InvalidArgumentError('must be an http(s) URL such as https://hooks.example.com/webhooks/xtremepush/main');
  }
  return value;
}

/** What to do next, by the receiver's answer. */
function hintFor(status: number): string {
  if (status === 401) return 'the receiver refused the credentials: use the same --auth and credentials as the connection in XTREMEPUSH_WEBHOOKS';
  if (status === 404) return 'no such connection on the receiver: the URL must end with /webhooks/xtremepush/<connection name> of XTREMEPUSH_WEBHOOKS';
  if (status === 503) return 'the receiver could not reach Temporal: check that Temporal and the service are up (`npm start`), then send again';
  if (status >= 500) return 'the receiver failed: look at its logs, then send again';
  return 'the receiver rejected the request: its answer above says why';
}

export function webhookCommand(): Command {
  const webhook = new Command('webhook').description('test Xtremepush webhook connections');
  webhook
    .command('send-sample')
    .description('POST a sample campaign message event to a running webhook receiver, as Xtremepush would')
    .addOption(
      new Option('--url <url>', 'the receiver endpoint, e.g. https://hooks.example.com/webhooks/xtremepush/main').argParser(parseUrl).makeOptionMandatory(),
    )
    .addOption(new Option('--event <name>', 'the message event to send').choices(EVENTS).default('message_send'))
    .option('--user-id <id>', 'the user_id the sample event is about', 'sample-user')
    .addOption(new Option('--auth <type>', 'how the connection authenticates').choices(['basic', 'bearer']).makeOptionMandatory())
    .option('--username <name>', 'Basic Auth username')
    .option('--password <password>', 'Basic Auth password')
    .option('--token <token>', 'Bearer token')
    .action(
      async (options: {
        url: string;
        event: (typeof EVENTS)[number];
        userId: string;
        auth: 'basic' | 'bearer';
        username?: string;
        password?: string;
        token?: string;
      }) => {
        const authorization = authorizationOf(options);
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
        process.stderr.write(`the receiver did not accept the sample: ${hintFor(res.statusCode)}\n`);
        process.exitCode = 1;
      },
    );
  return webhook;
}
