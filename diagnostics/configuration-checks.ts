import type { Config, Integration } from '../config/schema';
import { setBaseUrl } from '../xtremepush/credentials';
import { REGION_HOSTS, type IntegrationRegion } from '../xtremepush/regions';
import type { Finding } from './report';
import { regionName } from './region-hosts';

const REAL_HOSTS = `${REGION_HOSTS.eu} (EU) or ${REGION_HOSTS.us} (US)`;

export function checkSandbox(config: Pick<Config, 'sandbox'>): Finding {
  if (!config.sandbox) return { integration: null, check: 'sandbox', status: 'ok', message: 'live mode: events are sent to the configured Xtremepush hosts' };
  return {
    integration: null,
    check: 'sandbox',
    status: 'warn',
    message: 'SANDBOX MODE: no XTREMEPUSH_APP_TOKEN (or XTREMEPUSH_CONFIG_FILE) is set, so events go to the built-in simulator and nothing reaches Xtremepush',
    fix: `set XTREMEPUSH_APP_TOKEN (Xtremepush: Settings > Integrations) and XTREMEPUSH_API_BASE_URL=${REAL_HOSTS}`,
  };
}

export function checkBaseUrl(integration: Integration, region: IntegrationRegion, sandbox: boolean): Finding {
  const base = { integration: integration.id, check: 'base-url' } as const;
  const url = new URL(integration.apiBaseUrl);
  // The client appends /api/external/<method> itself: any path here ends in 404s.
  if (url.pathname !== '/') {
    return {
      ...base,
      status: 'error',
      message: `${integration.apiBaseUrl} has a path (${url.pathname}): the API base URL must be the host only`,
      fix: setBaseUrl(url.origin),
    };
  }
  if (region !== 'local') return { ...base, status: 'ok', message: `${integration.apiBaseUrl} is the ${regionName(region)} region host` };
  if (sandbox) return { ...base, status: 'ok', message: `${integration.apiBaseUrl} is the built-in simulator (sandbox mode)` };
  return {
    ...base,
    status: 'warn',
    message: `${integration.apiBaseUrl} is a loopback URL, not an Xtremepush region host: events go to whatever listens there (the simulator or a local proxy)`,
    fix: `unless a proxy to Xtremepush listens there, set XTREMEPUSH_API_BASE_URL=${REAL_HOSTS}`,
  };
}

export function checkConsent(integration: Integration): Finding {
  const base = { integration: integration.id, check: 'consent' } as const;
  if (integration.consentCategories.length === 0) {
    return {
      ...base,
      status: 'warn',
      message: 'no consent categories: every event is delivered whatever consent the user gave',
      fix: 'set XTREMEPUSH_CONSENT_CATEGORIES (e.g. marketing) unless consent is enforced before events reach this service',
    };
  }
  const missing = integration.consentWhenMissing === 'deny' ? 'dropped' : 'delivered (XTREMEPUSH_CONSENT_WHEN_MISSING=grant)';
  const groups = Object.values(integration.consentPreferences ?? {}).map((p) => `${p.channel} "${p.group}"`);
  return {
    ...base,
    status: 'ok',
    message:
      `deliveries need consent for: ${integration.consentCategories.join(', ')}; events without consent information are ${missing}` +
      // Group names are project-specific: a typo is not refused by Xtremepush, so say which ones are sent.
      (groups.length > 0 ? `; consent_preferences are sent for ${groups.join(', ')}: confirm these group names in Xtremepush` : ''),
  };
}
