import type { Integration } from '../config/schema';
import type { XtremepushClient, XtremepushExchange } from '../xtremepush/client';
import type { IntegrationRegion } from '../xtremepush/regions';
import { setBaseUrl } from './configuration-checks';
import { regionName, regionsOf, withoutTrailingSlash, type RegionHosts } from './region-hosts';
import type { Finding } from './report';

/** Any id will do: the method only reads, and an unknown user is answered with an empty list. */
export const PROBE_USER_ID = 'signal-xtremepush-doctor';

interface TokenCheckInput {
  integration: Integration;
  region: IntegrationRegion;
  xtremepush: XtremepushClient;
  regionHosts: RegionHosts;
}

const RECOPY_TOKEN =
  're-copy it from Settings > Integrations in your Xtremepush project into XTREMEPUSH_APP_TOKEN (with XTREMEPUSH_CONFIG_FILE: the variable its appTokenEnv names)';
const OAUTH_FIX =
  'ask Xtremepush to enable API access for the project; a project created after the June 2026 release needs the OAuth variant of this integration';

/**
 * Reachability, then token validity and region, with a read-only method that authenticates the token against the
 * host's region and creates nothing. A token of the other region is refused there (401), while event hits to that
 * host are accepted and land nowhere (seed 000): only this check reveals a wrong region.
 */
export async function checkConnection(input: TokenCheckInput): Promise<Finding[]> {
  const { integration } = input;
  const exchange = await probe(input, integration.apiBaseUrl);
  if (!exchange.response) return [unreachable(input, exchange)];
  const reachable: Finding = {
    integration: integration.id,
    check: 'reachability',
    status: 'ok',
    message: `${integration.apiBaseUrl} answered (HTTP ${exchange.response.status})`,
  };
  return [reachable, await tokenFinding(input, exchange)];
}

function probe(input: TokenCheckInput, apiBaseUrl: string): Promise<XtremepushExchange> {
  return input.xtremepush.call({ apiBaseUrl, appToken: input.integration.appToken }, 'list/profile-subscription', {
    condition: [['user_id', '=', PROBE_USER_ID]],
  });
}

async function tokenFinding(input: TokenCheckInput, exchange: XtremepushExchange): Promise<Finding> {
  const { integration, region } = input;
  const base = { integration: integration.id, check: 'token' } as const;
  const { classification } = exchange;
  if (classification.outcome === 'accepted') {
    const where = region === 'local' ? `${integration.apiBaseUrl} (a loopback host: its region cannot be told)` : `the ${regionName(region)} region, as configured`;
    return { ...base, status: 'ok', message: `the App Token is valid for ${where}` };
  }
  const code = classification.code;
  if (code === 401) return wrongTokenOrRegion(input);
  if (code === 403) {
    return {
      ...base,
      status: 'error',
      message: 'the project is OAuth-only (created after the June 2026 Xtremepush release) or API access is not enabled for it: an App Token cannot be used (HTTP 403)',
      fix: OAUTH_FIX,
    };
  }
  if (code === 404 || code === 405 || code === 410 || (code !== null && code < 300)) {
    return {
      integration: integration.id,
      check: 'base-url',
      status: 'error',
      message:
        code === 410
          ? `${integration.apiBaseUrl} answered HTTP 410: the External API is turned off for this project or host`
          : `${integration.apiBaseUrl} answered HTTP ${code} to an External API method: it is not the Xtremepush External API (wrong host or path)`,
      fix: code === 410 ? 'ask Xtremepush to enable the External API for the project' : setBaseUrl(`${input.regionHosts.eu} (EU) or ${input.regionHosts.us} (US)`),
    };
  }
  if (code === 408 || code === 429 || (code !== null && code >= 500)) {
    return {
      ...base,
      status: 'warn',
      message: `the App Token could not be checked: ${integration.apiBaseUrl} answered HTTP ${code} (busy or failing for now)`,
      fix: 'run doctor again in a few minutes; deliveries meanwhile are retried automatically',
    };
  }
  return {
    ...base,
    status: 'error',
    message: `Xtremepush refused the diagnostic request: ${classification.message}`,
    fix: 'check the API base URL and the App Token; if both are right, report this answer to Xtremepush support',
  };
}

/** Refused here: accepted by another region's host means the token belongs there, refused everywhere means it is wrong. */
async function wrongTokenOrRegion(input: TokenCheckInput): Promise<Finding> {
  const base = { integration: input.integration.id, check: 'token', status: 'error' } as const;
  const others = regionsOf(input.regionHosts).filter(
    (r) => r !== input.region && withoutTrailingSlash(input.regionHosts[r]) !== input.integration.apiBaseUrl,
  );
  const unchecked: string[] = [];
  for (const other of others) {
    const host = withoutTrailingSlash(input.regionHosts[other]);
    const { classification, response } = await probe(input, host);
    const belongs = `the token belongs to the ${regionName(other)} region, not to ${describe(input.region, input.integration.apiBaseUrl)}`;
    if (classification.outcome === 'accepted') {
      return { ...base, message: `${belongs}: events sent now are accepted but land in no project`, fix: setBaseUrl(host) };
    }
    if (classification.code === 403) {
      return { ...base, message: `${belongs}, and that project is OAuth-only or API access is not enabled for it (HTTP 403)`, fix: `${setBaseUrl(host)}; then ${OAUTH_FIX}` };
    }
    if (classification.code !== 401) unchecked.push(`${regionName(other)} (${response ? `HTTP ${response.status}` : 'unreachable'})`);
  }
  if (unchecked.length > 0) {
    return {
      ...base,
      message: `the App Token was refused (HTTP 401); whether it belongs to another region could not be checked: ${unchecked.join(', ')}`,
      fix: `${RECOPY_TOKEN}; if it is right, run doctor again once the other region's host answers`,
    };
  }
  return { ...base, message: 'the App Token is wrong: no region host accepts it (HTTP 401)', fix: RECOPY_TOKEN };
}

function describe(region: IntegrationRegion, apiBaseUrl: string): string {
  return region === 'local' ? apiBaseUrl : `the ${regionName(region)} region this integration is configured for`;
}

function unreachable(input: TokenCheckInput, exchange: XtremepushExchange): Finding {
  const { integration, region } = input;
  // The client reports the network error's code in parentheses, e.g. "no answer from Xtremepush (ECONNREFUSED)".
  const reason = exchange.classification.outcome === 'failed' ? /\(([^)]+)\)/.exec(exchange.classification.message)?.[1] : undefined;
  return {
    integration: integration.id,
    check: 'reachability',
    status: 'error',
    message: `cannot reach ${integration.apiBaseUrl}: no answer (${reason ?? 'network error'}); the token could not be checked`,
    fix:
      region === 'local'
        ? 'nothing answers on that loopback port: start the simulator or local proxy (sandbox mode: `npm start`), or fix XTREMEPUSH_API_BASE_URL'
        : `check that this machine resolves and reaches ${new URL(integration.apiBaseUrl).host} over HTTPS (DNS, firewall, outbound proxy), then run doctor again`,
  };
}
