import type { Integration } from '../config/schema';
import { checkCredentials, explainRefusal, type CredentialCheck } from '../xtremepush/credentials';
import type { XtremepushClient } from '../xtremepush/client';
import type { IntegrationRegion, RegionHosts } from '../xtremepush/regions';
import type { Finding } from './report';

interface TokenCheckInput {
  integration: Integration;
  region: IntegrationRegion;
  xtremepush: XtremepushClient;
  regionHosts: RegionHosts;
}

/** Reachability, then the token's validity and region, as findings: the verdict comes from the Xtremepush client. */
export async function checkConnection(input: TokenCheckInput): Promise<Finding[]> {
  const { integration, region } = input;
  const check = await checkCredentials(input.xtremepush, integration, input.regionHosts);
  if (check.verdict === 'unreachable') return [unreachable(input, check.reason)];
  return [
    { integration: integration.id, check: 'reachability', status: 'ok', message: `${integration.apiBaseUrl} answered` },
    tokenFinding(input, check, region),
  ];
}

function tokenFinding(input: TokenCheckInput, check: Exclude<CredentialCheck, { verdict: 'unreachable' }>, region: IntegrationRegion): Finding {
  const { integration } = input;
  const base = { integration: integration.id, check: 'token' } as const;
  switch (check.verdict) {
    case 'valid': {
      const where =
        region === 'local' ? `${integration.apiBaseUrl} (a loopback host: its region cannot be told)` : `the ${region.toUpperCase()} region, as configured`;
      return { ...base, status: 'ok', message: `the App Token is valid for ${where}` };
    }
    case 'busy':
      return {
        ...base,
        status: 'warn',
        message: `the App Token could not be checked: ${integration.apiBaseUrl} answered HTTP ${check.status} (busy or failing for now)`,
        fix: 'run doctor again in a few minutes; deliveries meanwhile are retried automatically',
      };
    default: {
      const explained = explainRefusal(check, { apiBaseUrl: integration.apiBaseUrl, region }, input.regionHosts);
      const about = check.verdict === 'not_external_api' || check.verdict === 'turned_off' ? 'base-url' : 'token';
      return { integration: integration.id, check: about, status: 'error', ...explained };
    }
  }
}

function unreachable(input: TokenCheckInput, reason: string): Finding {
  const { integration, region } = input;
  return {
    integration: integration.id,
    check: 'reachability',
    status: 'error',
    message: `cannot reach ${integration.apiBaseUrl}: no answer (${reason}); the token could not be checked`,
    fix:
      region === 'local'
        ? 'nothing answers on that loopback port: start the simulator or local proxy (sandbox mode: `npm start`), or fix XTREMEPUSH_API_BASE_URL'
        : `check that this machine resolves and reaches ${new URL(integration.apiBaseUrl).host} over HTTPS (DNS, firewall, outbound proxy), then run doctor again`,
  };
}
