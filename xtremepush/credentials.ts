import type { XtremepushClient, XtremepushExchange, XtremepushTarget } from './client';
import { regionOfHost, type IntegrationRegion, type RegionHosts, type XtremepushRegion } from './regions';

/**
 * A read-only method that authenticates the token against the host's own region and creates nothing: any id will do,
 * an unknown user is answered with an empty list. Event hits sent with a token of the other region are accepted and
 * land nowhere, so only this call tells a wrong region from a right one.
 */
export const PROBE_METHOD = 'list/profile-subscription';
export const PROBE_USER_ID = 'signal-xtremepush-probe';

/** What Xtremepush says of an integration's token and host. */
export type CredentialCheck =
  | { verdict: 'valid'; status: number }
  /** No answer at all: the host could not be asked. */
  | { verdict: 'unreachable'; reason: string }
  /** Busy or failing for now (408, 429, 5xx): the token could not be checked. */
  | { verdict: 'busy'; status: number }
  | { verdict: 'wrong_region'; region: XtremepushRegion; host: string; oauthOnly: boolean }
  /** Refused here (401) and by every other region host that answered; `unchecked` lists those that did not. */
  | { verdict: 'wrong_token'; unchecked: string[] }
  | { verdict: 'oauth_only' }
  /** 404/405 or an answer without the API's envelope: this is not the External API (wrong host or path). */
  | { verdict: 'not_external_api'; status: number }
  | { verdict: 'turned_off' }
  | { verdict: 'refused'; message: string };

export async function checkCredentials(client: XtremepushClient, target: XtremepushTarget, regionHosts: RegionHosts): Promise<CredentialCheck> {
  const exchange = await probe(client, target);
  if (!exchange.response) return { verdict: 'unreachable', reason: networkReason(exchange) };
  const { classification } = exchange;
  if (classification.outcome === 'accepted') return { verdict: 'valid', status: exchange.response.status };
  const code = classification.code;
  if (code === 401) return otherRegionOrWrongToken(client, target, regionHosts);
  if (code === 403) return { verdict: 'oauth_only' };
  if (code === 410) return { verdict: 'turned_off' };
  if (code === 404 || code === 405 || (code !== null && code < 300)) return { verdict: 'not_external_api', status: code };
  if (code === 408 || code === 429 || (code !== null && code >= 500)) return { verdict: 'busy', status: code };
  return { verdict: 'refused', message: classification.message };
}

/** Refused here: accepted by another region's host means the token belongs there; refused everywhere, it is wrong. */
async function otherRegionOrWrongToken(client: XtremepushClient, target: XtremepushTarget, regionHosts: RegionHosts): Promise<CredentialCheck> {
  const own = regionOfHost(target.apiBaseUrl, regionHosts);
  const unchecked: string[] = [];
  for (const [region, host] of Object.entries(regionHosts) as Array<[XtremepushRegion, string]>) {
    if (region === own || host === target.apiBaseUrl) continue;
    const { classification, response } = await probe(client, { ...target, apiBaseUrl: host });
    if (classification.outcome === 'accepted') return { verdict: 'wrong_region', region, host, oauthOnly: false };
    if (classification.code === 403) return { verdict: 'wrong_region', region, host, oauthOnly: true };
    if (classification.code !== 401) unchecked.push(`${region.toUpperCase()} (${response ? `HTTP ${response.status}` : 'unreachable'})`);
  }
  return { verdict: 'wrong_token', unchecked };
}

function probe(client: XtremepushClient, target: XtremepushTarget): Promise<XtremepushExchange> {
  return client.call(target, PROBE_METHOD, { condition: [['user_id', '=', PROBE_USER_ID]] });
}

function networkReason(exchange: XtremepushExchange): string {
  // The client reports the network error's code in parentheses, e.g. "no answer from Xtremepush (ECONNREFUSED)".
  return (exchange.classification.outcome === 'failed' && /\(([^)]+)\)/.exec(exchange.classification.message)?.[1]) || 'network error';
}

/** How deliveries must treat a verdict: refused credentials and a wrong host park them; anything else lets them try. */
export function failureClassOf(check: CredentialCheck): 'auth' | 'configuration' | null {
  switch (check.verdict) {
    case 'wrong_region':
    case 'wrong_token':
    case 'oauth_only':
      return 'auth';
    case 'not_external_api':
    case 'turned_off':
      return 'configuration';
    default:
      return null;
  }
}

export const RECOPY_TOKEN =
  're-copy it from Settings > Integrations in your Xtremepush project into XTREMEPUSH_APP_TOKEN (with XTREMEPUSH_CONFIG_FILE: the variable its appTokenEnv names)';
export const OAUTH_FIX =
  'ask Xtremepush to enable API access for the project; a project created after the June 2026 release needs the OAuth variant of this integration';

/** How to point an integration at a host, whichever way it is configured. */
export function setBaseUrl(host: string): string {
  return `set XTREMEPUSH_API_BASE_URL=${host} (with XTREMEPUSH_CONFIG_FILE: the integration's apiBaseUrl)`;
}

/** A refusal in words, with what to do: the same text in `doctor` and in a parked delivery's details. */
export function explainRefusal(
  check: Extract<CredentialCheck, { verdict: 'wrong_region' | 'wrong_token' | 'oauth_only' | 'not_external_api' | 'turned_off' | 'refused' }>,
  integration: { apiBaseUrl: string; region: IntegrationRegion },
  regionHosts: RegionHosts,
): { message: string; fix: string } {
  switch (check.verdict) {
    case 'wrong_region': {
      const where =
        integration.region === 'local' ? integration.apiBaseUrl : `the ${integration.region.toUpperCase()} region this integration is configured for`;
      const belongs = `the token belongs to the ${check.region.toUpperCase()} region, not to ${where}`;
      return check.oauthOnly
        ? {
            message: `${belongs}, and that project is OAuth-only or API access is not enabled for it (HTTP 403)`,
            fix: `${setBaseUrl(check.host)}; then ${OAUTH_FIX}`,
          }
        : { message: `${belongs}: events sent now are accepted but land in no project`, fix: setBaseUrl(check.host) };
    }
    case 'wrong_token':
      return check.unchecked.length > 0
        ? {
            message: `the App Token was refused (HTTP 401); whether it belongs to another region could not be checked: ${check.unchecked.join(', ')}`,
            fix: `${RECOPY_TOKEN}; if it is right, run doctor again once the other region's host answers`,
          }
        : { message: 'the App Token is wrong: no region host accepts it (HTTP 401)', fix: RECOPY_TOKEN };
    case 'oauth_only':
      return {
        message:
          'the project is OAuth-only (created after the June 2026 Xtremepush release) or API access is not enabled for it: an App Token cannot be used (HTTP 403)',
        fix: OAUTH_FIX,
      };
    case 'turned_off':
      return {
        message: `${integration.apiBaseUrl} answered HTTP 410: the External API is turned off for this project or host`,
        fix: 'ask Xtremepush to enable the External API for the project',
      };
    case 'not_external_api':
      return {
        message: `${integration.apiBaseUrl} answered HTTP ${check.status} to an External API method: it is not the Xtremepush External API (wrong host or path)`,
        fix: setBaseUrl(`${regionHosts.eu} (EU) or ${regionHosts.us} (US)`),
      };
    case 'refused':
      return {
        message: `Xtremepush refused the diagnostic request: ${check.message}`,
        fix: 'check the API base URL and the App Token; if both are right, report this answer to Xtremepush support',
      };
  }
}
