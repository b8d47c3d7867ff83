/** Xtremepush hosts its projects per region; a token only matches projects on its own region's host. */
export const REGION_HOSTS = {
  eu: 'https://api.eu.xtremepush.com',
  us: 'https://api.us.xtremepush.com',
} as const;

export type XtremepushRegion = keyof typeof REGION_HOSTS;
/** `local` is a loopback host: our simulator, or a proxy the operator runs on the same machine. */
export type IntegrationRegion = XtremepushRegion | 'local';

/** Older EU documentation names this host; it serves the EU platform. */
const LEGACY_EU_HOST = 'external-api.xtremepush.com';

export function regionOfBaseUrl(baseUrl: string): IntegrationRegion | null {
  const url = new URL(baseUrl);
  if (url.protocol === 'https:') {
    if (url.host === new URL(REGION_HOSTS.eu).host || url.host === LEGACY_EU_HOST) return 'eu';
    if (url.host === new URL(REGION_HOSTS.us).host) return 'us';
  }
  return isLoopback(url.hostname) ? 'local' : null;
}

export function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** The host of each region: the real ones, or stand-ins such as the simulator's (sandbox mode, tests, `doctor --eu-host`). */
export type RegionHosts = Record<XtremepushRegion, string>;

/** The region whose host `baseUrl` is (stand-ins included); otherwise what the URL itself says. */
export function regionOfHost(baseUrl: string, regionHosts: RegionHosts): IntegrationRegion | null {
  const url = baseUrl.replace(/\/+$/, '');
  const region = (Object.keys(regionHosts) as XtremepushRegion[]).find((r) => regionHosts[r].replace(/\/+$/, '') === url);
  return region ?? regionOfBaseUrl(baseUrl);
}
