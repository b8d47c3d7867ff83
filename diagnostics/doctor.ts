import type { Config } from '../config/schema';
import { redact, type XtremepushClient } from '../xtremepush/client';
import { REGION_HOSTS, type RegionHosts } from '../xtremepush/regions';
import { checkBaseUrl, checkConsent, checkSandbox } from './configuration-checks';
import { configuredRegion } from './region-hosts';
import { reportOf, type DoctorReport, type Finding } from './report';
import { checkTemporal } from './temporal-check';
import { checkConnection } from './token-check';
import type { Client } from '@temporalio/client';

export type { DoctorReport, Finding } from './report';

export interface DoctorOptions {
  /** The loaded configuration (`loadConfig()`), tokens included. */
  config: Pick<Config, 'sandbox' | 'integrations'>;
  xtremepush: XtremepushClient;
  /** Where a token is tried to tell its region; default the real Xtremepush hosts. */
  regionHosts?: RegionHosts;
  /** One line per integration before its network calls, which may take up to the delivery timeout. */
  log?: (line: string) => void;
  /** A client of the service's Temporal namespace (null: it did not answer); absent, Temporal is not checked. */
  temporal?: { client: Client | null; address: string; namespace: string };
}

/**
 * Checks every configured integration with read-only calls only (nothing is created at Xtremepush): configuration,
 * reachability, token validity and the region the token belongs to. Every finding that is not ok says what to do.
 */
export async function runDoctor({ config, xtremepush, regionHosts = REGION_HOSTS, log, temporal }: DoctorOptions): Promise<DoctorReport> {
  const findings: Finding[] = [checkSandbox(config)];
  if (temporal) {
    log?.(`checking Temporal at ${temporal.address} ...`);
    findings.push(...(await checkTemporal(temporal.client, temporal)));
  }
  for (const integration of config.integrations) {
    log?.(`checking integration ${integration.id} at ${integration.apiBaseUrl} ...`);
    const region = configuredRegion(integration, regionHosts);
    findings.push(
      checkBaseUrl(integration, region, config.sandbox),
      checkConsent(integration),
      ...(await checkConnection({ integration, region, xtremepush, regionHosts })),
    );
  }
  // Defence in depth: the report is printed and pasted into tickets, so no token may be in it whatever a host echoed.
  const tokens = config.integrations.map((i) => i.appToken);
  const clean = (text: string) => tokens.reduce(redact, text);
  return reportOf(findings.map((f) => (f.status === 'ok' ? { ...f, message: clean(f.message) } : { ...f, message: clean(f.message), fix: clean(f.fix) })));
}
