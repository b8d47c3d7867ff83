import type { Integration } from '../config/schema';
import type { IntegrationRegion, XtremepushRegion } from '../xtremepush/regions';

/** The host of each region; `--eu-host/--us-host` and tests put the simulator in place of the real ones. */
export type RegionHosts = Record<XtremepushRegion, string>;

export const regionsOf = (regionHosts: RegionHosts) => Object.keys(regionHosts) as XtremepushRegion[];

/** The region whose host the integration is configured with; a host that is not one of `regionHosts` keeps its own. */
export function configuredRegion(integration: Integration, regionHosts: RegionHosts): IntegrationRegion {
  return regionsOf(regionHosts).find((region) => withoutTrailingSlash(regionHosts[region]) === integration.apiBaseUrl) ?? integration.region;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export const regionName = (region: XtremepushRegion) => region.toUpperCase();
