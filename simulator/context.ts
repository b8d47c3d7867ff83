/** Everything one simulator instance shares between its two region servers. */
import type pino from 'pino';
import type { Delays } from './delay';
import type { FaultQueue } from './faults';
import type { ProjectRegistry } from './projects';
import type { RateLimiter } from './rate-limit';
import type { SimulatorState } from './state';

export interface SimulatorContext {
  state: SimulatorState;
  projects: ProjectRegistry;
  rateLimiter: RateLimiter;
  faults: FaultQueue;
  delays: Delays;
  errorStyle: 'http' | 'envelope';
  logger: pino.Logger;
  /** Events of these user_ids are refused (Simulator.refuseUserIds). */
  refusedUserIds: Set<string>;
}

/** Forget everything observed or pending; projects are kept. */
export function resetContext(ctx: SimulatorContext): void {
  ctx.state.reset();
  ctx.faults.clear();
  ctx.rateLimiter.reset();
  ctx.refusedUserIds.clear();
}
