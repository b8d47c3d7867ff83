import type { Integration } from '../config/schema';
import { regionOfHost, type IntegrationRegion, type RegionHosts } from '../xtremepush/regions';

/** The region whose host the integration is configured with; a host that is not one of `regionHosts` keeps its own. */
export function configuredRegion(integration: Integration, regionHosts: RegionHosts): IntegrationRegion {
  return regionOfHost(integration.apiBaseUrl, regionHosts) ?? integration.region;
}

export const regionName = (region: Exclude<IntegrationRegion, 'local'>) => region.toUpperCase();
