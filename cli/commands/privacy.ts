import { Command } from 'commander';
import { erasePerson, privacyStoreOfService, setSuppression, type ErasureReport, type PrivacyStore } from '../../client/privacy';
import { loadConfig, type LoadedConfig } from '../../config/load';
import { printJson, printLines, progressBar } from '../context';
import { withStoreAccess, type StoreAccess } from '../store-access';

export function eraseCommand(): Command {
  return new Command('erase')
    .description("remove a person's data: traits, links, consent and webhook records from the store, and their executions from Temporal")
    .requiredOption('--user-id <id>', 'the userId of the person')
    .option('--anonymous-id <id...>', 'anonymousIds of the person the store does not link to them')
    .option('--dry-run', 'count what would be removed; remove nothing')
    .option('--suppress', 'also stop processing their future events (see `suppress`)')
    .option('--ticket <reference>', 'your reference for the request, kept in the privacy log')
    .option('--json', 'print JSON')
    .action(async (options: { userId: string; anonymousId?: string[]; dryRun?: boolean; suppress?: boolean; ticket?: string; json?: boolean }) => {
      const config = loadConfig();
      await withPrivacyStore(config, { temporal: true }, async (store, access) => {
        if (!access.temporal)
          throw new Error(`cannot reach Temporal: erasing needs it to find the person's executions; start the service (\`npm start\`) or set TEMPORAL_ADDRESS`);
        const report = await erasePerson(
          { client: access.temporal, store, hashKey: config.privacy.hashKey },
          { userId: options.userId, anonymousIds: options.anonymousId, dryRun: options.dryRun, suppress: options.suppress, ticket: options.ticket },
          options.json ? undefined : progressBar('deleting executions from Temporal'),
        );
        if (options.json) return printJson(report);
        printLines(formatErasure(report));
      });
    });
}

export function suppressCommands(): Command[] {
  const suppression = (name: 'suppress' | 'unsuppress', description: string) =>
    new Command(name)
      .description(description)
      .requiredOption('--user-id <id>', 'the userId of the person')
      .option('--ticket <reference>', 'your reference for the request, kept in the privacy log')
      .option('--json', 'print JSON')
      .action(async (options: { userId: string; ticket?: string; json?: boolean }) => {
        const config = loadConfig();
        await withPrivacyStore(config, { temporal: false }, async (store) => {
          const lift = name === 'unsuppress';
          const result = await setSuppression({ store, hashKey: config.privacy.hashKey }, { userId: options.userId, lift, ticket: options.ticket });
          if (options.json) return printJson(result);
          const state = lift
            ? result.changed
              ? 'lifted: their events are processed again'
              : 'was not suppressed: nothing changed'
            : result.changed
              ? 'suppressed: their events end `dropped: suppressed`, nothing stored or sent'
              : 'was suppressed already';
          printLines([`person ${result.subject} ${state}`]);
        });
      });
  return [
    suppression('suppress', 'stop processing a person (an objection): their later events end `dropped: suppressed` before anything is stored or sent'),
    suppression('unsuppress', "lift a person's suppression: their later events are processed again"),
  ];
}

export function privacyCommand(): Command {
  const privacy = new Command('privacy').description('the privacy log and the suppression list (people named by keyed hash only)');
  privacy
    .command('log')
    .description('every erase and suppression: when, whom (keyed hash), what was removed, the ticket')
    .option('--limit <n>', 'newest entries to show', '50')
    .option('--json', 'print JSON')
    .action(async (options: { limit: string; json?: boolean }) => {
      const config = loadConfig();
      await withPrivacyStore(config, { temporal: false }, async (store) => {
        const entries = await store.listPrivacyLog(Number(options.limit));
        if (options.json) return printJson(entries);
        if (entries.length === 0) return printLines(['no erase or suppression recorded yet']);
        printLines(
          entries.map(
            (e) =>
              `${e.at}  ${e.action.padEnd(10)} ${e.subject}  ${Object.entries(e.counts)
                .map(([k, n]) => `${k} ${n}`)
                .join(', ')}${e.ticket ? `  ticket ${e.ticket}` : ''}`,
          ),
        );
      });
    });
  privacy
    .command('suppressed')
    .description('the suppression list: keyed hashes and since when')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      await withPrivacyStore(config, { temporal: false }, async (store) => {
        const subjects = await store.listSuppressed();
        if (options.json) return printJson(subjects);
        printLines(subjects.length === 0 ? ['nobody is suppressed'] : subjects.map((s) => `${s.subject}  since ${s.at}`));
      });
    });
  return privacy;
}

/** The identity store directly, or through the running service's worker. */
async function withPrivacyStore(
  config: LoadedConfig,
  options: { temporal: boolean },
  run: (store: PrivacyStore, access: StoreAccess) => Promise<void>,
): Promise<void> {
  await withStoreAccess(config, options, async (access) => {
    if (access.via === 'none') throw new Error(`${access.source}: start the service (\`npm start\`) or set DATABASE_URL`);
    const store = access.via === 'store' ? access.store : privacyStoreOfService(access.temporal, config.temporal.taskQueue);
    await run(store, access);
  });
}

function formatErasure(r: ErasureReport): string[] {
  const verb = r.dryRun ? 'would remove' : 'removed';
  const s = r.store;
  const stored = s.traits + s.links + s.consentDecisions + s.consentObservations + s.messageEvents + s.channelWebhooks;
  const found = Object.entries(r.executions.found);
  const executions = found.reduce((sum, [, n]) => sum + n, 0);
  if (stored === 0 && executions === 0) {
    return [`person ${r.subject}: nothing left to erase (store and Temporal searched)${r.suppressed ? '; now suppressed' : ''}`];
  }
  return [
    `person ${r.subject}${r.dryRun ? ' (dry run: nothing changed)' : ''}`,
    `  identity store: ${verb} ${s.traits} trait records, ${s.links} links (${r.anonymousIds} anonymousIds), ${s.consentDecisions} consent decisions, ${s.consentObservations} consent observations, ${s.messageEvents} webhook message events, ${s.channelWebhooks} webhook channel calls`,
    `  Temporal: ${r.dryRun ? `would delete ${executions}` : `deleted ${r.executions.deleted}`} executions${found.length ? ` (${found.map(([type, n]) => `${n} ${type}`).join(', ')})` : ''}`,
    r.executions.notYetDeleted
      ? `  ${r.executions.notYetDeleted} executions are not deleted by Temporal yet: run the same erase again in a few minutes to check`
      : '',
    r.executions.endedAsErased ? `  ${r.executions.endedAsErased} waiting deliveries ended \`dropped: erased\` first` : '',
    r.suppressed ? '  suppressed: their later events end `dropped: suppressed`' : '',
    r.dryRun ? '  run again without --dry-run to erase' : '  recorded in the privacy log (`npm run cli -- privacy log`)',
  ];
}
