import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../../config/load';
import { runDoctor } from '../../diagnostics/doctor';
import { configErrorReport, type DoctorReport, type Finding } from '../../diagnostics/report';
import { createXtremepushClient } from '../../xtremepush/client';
import { temporalAddressOf, tryConnect } from '../context';
import { REGION_HOSTS } from '../../xtremepush/regions';
import { ConfigError } from '../../errors';

interface DoctorCliOptions {
  json?: boolean;
  euHost?: string;
  usHost?: string;
}

const hostUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

function parseHostUrl(value: string): string {
  const parsed = hostUrl.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('must be an http(s) URL such as http://127.0.0.1:4010');
  return parsed.data;
}

export function doctorCommand(): Command {
  return new Command('doctor')
    .description(
      'check the configuration, that Xtremepush is reachable, and that each App Token is valid and belongs to the ' +
        'configured region (EU/US), using read-only calls that create nothing; exits 0 when healthy, 1 otherwise',
    )
    .option('--json', 'print the report as JSON ({ healthy, findings }) instead of text')
    .addOption(
      new Option('--eu-host <url>', `stand-in for the EU region host, e.g. the simulator (default: XTREMEPUSH_EU_HOST, else ${REGION_HOSTS.eu})`).argParser(
        parseHostUrl,
      ),
    )
    .addOption(new Option('--us-host <url>', `stand-in for the US region host (default: XTREMEPUSH_US_HOST, else ${REGION_HOSTS.us})`).argParser(parseHostUrl))
    .action(async (options: DoctorCliOptions) => {
      const report = await doctor(options);
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      process.exitCode = report.healthy ? 0 : 1;
    });
}

async function doctor(options: DoctorCliOptions): Promise<DoctorReport> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return configErrorReport(error);
    throw error;
  }
  const xtremepush = createXtremepushClient({ timeoutMs: config.delivery.timeoutMs });
  const temporal = await tryConnect(config);
  try {
    return await runDoctor({
      config,
      xtremepush,
      regionHosts: { eu: options.euHost ?? config.regionHosts.eu, us: options.usHost ?? config.regionHosts.us },
      temporal: { client: temporal?.client ?? null, address: temporalAddressOf(config), namespace: config.temporal.namespace },
      // Progress goes to stderr so that --json output stays parseable.
      log: options.json ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    await xtremepush.close();
    await temporal?.close();
  }
}

const MARKERS: Record<Finding['status'], string> = { ok: 'ok   ', warn: 'WARN ', error: 'ERROR' };

function formatReport(report: DoctorReport): string {
  const lines = report.findings.flatMap((f) => [
    `${MARKERS[f.status]} ${f.integration ?? '(configuration)'} ${f.check}: ${f.message}`,
    ...(f.status === 'ok' ? [] : [`      fix: ${f.fix}`]),
  ]);
  const count = (status: Finding['status']) => report.findings.filter((f) => f.status === status).length;
  const summary = report.healthy ? 'healthy' : 'NOT healthy';
  return `${lines.join('\n')}\n\n${summary}: ${count('error')} error(s), ${count('warn')} warning(s)\n`;
}
