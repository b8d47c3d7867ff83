import { Command } from 'commander';
import { resumeParked, type ResumeReport } from '../../client/operator';
import { printJson, printLines, withTemporal } from '../context';

export function resumeCommand(): Command {
  return new Command('resume')
    .description('release parked deliveries: probe Xtremepush now (after fixing the token or base URL) and resume them all if it works')
    .option('--integration <id>', 'only this integration (default: all)')
    .option('--force', 'resume every parked delivery at once, without waiting for a successful probe')
    .option('--json', 'print JSON')
    .action(async (options: { integration?: string; force?: boolean; json?: boolean }) => {
      await withTemporal(async ({ config, client }) => {
        const ids = options.integration ? [options.integration] : config.integrations.map((i) => i.id);
        const reports = await Promise.all(ids.map((id) => resumeParked(client, config.temporal.taskQueue, id, { force: options.force })));
        if (options.json) return printJson(reports);
        printLines(reports.map(describe));
      });
    });
}

function describe(report: ResumeReport): string {
  const forced = report.forced > 0 ? `; ${report.forced} resumed at once (--force)` : '';
  if (report.parked === null) return `${report.integrationId}: nothing is parked${forced}`;
  return `${report.integrationId}: ${report.parked} parked; a probe was asked for now: if Xtremepush accepts the credentials they resume, else they stay parked (\`npm run cli -- doctor\` says why)${forced}`;
}
