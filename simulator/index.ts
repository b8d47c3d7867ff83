/**
 * Xtremepush simulator: a loopback stand-in for the Xtremepush External API (EU and US hosts),
 * used by tests, the sandbox mode and benchmarks. See types.ts for the public contract.
 */
import pino from 'pino';
import { resetContext, type SimulatorContext } from './context';
import { Delays } from './delay';
import { FaultQueue } from './faults';
import { ProjectRegistry } from './projects';
import { RateLimiter } from './rate-limit';
import { startRegionServer, type RegionServer } from './server';
import { SimulatorState } from './state';
import type { Fault, HitFilter, Region, Simulator, SimulatorOptions, SimulatorProject } from './types';

export type { Fault, HitFilter, ReceivedRequest, Region, Simulator, SimulatorHit, SimulatorOptions, SimulatorProject } from './types';
export { REGIONS } from './types';

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const host = options.host ?? '127.0.0.1';
  const ctx: SimulatorContext = {
    state: new SimulatorState(),
    projects: new ProjectRegistry(),
    rateLimiter: new RateLimiter(),
    faults: new FaultQueue(),
    delays: new Delays(),
    errorStyle: options.errorStyle ?? 'http',
    logger: (options.logger ?? pino({ level: 'silent' })).child({ component: 'xtremepush-simulator' }),
    refusedUserIds: new Set(),
  };
  for (const project of options.eu?.projects ?? []) ctx.projects.add('eu', project);
  for (const project of options.us?.projects ?? []) ctx.projects.add('us', project);

  const eu = await startRegionServer(ctx, 'eu', host, options.eu?.port ?? 0);
  let us: RegionServer;
  try {
    us = await startRegionServer(ctx, 'us', host, options.us?.port ?? 0);
  } catch (err) {
    await eu.app.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    urls: { eu: eu.url, us: us.url },
    received: () => ctx.state.received(),
    hits: (filter?: HitFilter) => ctx.state.hits(filter ?? {}),
    failNext: (count: number, fault: Fault, opts?: { region?: Region }) => ctx.faults.push(count, fault, opts?.region),
    addProject: (region: Region, project: SimulatorProject) => ctx.projects.add(region, project),
    revokeToken: (token: string) => ctx.projects.revoke(token),
    setOauthOnly: (token: string, oauthOnly: boolean) => ctx.projects.setOauthOnly(token, oauthOnly),
    refuseUserIds: (userIds: readonly string[]) => {
      ctx.refusedUserIds.clear();
      for (const userId of userIds) ctx.refusedUserIds.add(userId);
    },
    reset: () => resetContext(ctx),
    close: () => {
      closing ??= (async () => {
        ctx.delays.flush();
        await Promise.all([eu.app.close(), us.app.close()]);
      })();
      return closing;
    },
  };
}
