import type { DeliveryAttempt } from '../workflows/types';

/**
 * This worker's view of each integration's health, in front of every call to Xtremepush. Healthy (a recent success):
 * calls go straight through. Unknown (nothing recent): one call at a time finds out, the others wait for its answer,
 * so a revoked token costs one request, not one per in-flight delivery. Open (auth or configuration failure): calls
 * are not made at all until `openForMs` has passed or a probe closes it.
 */
export class IntegrationGate {
  private readonly states = new Map<string, { healthyUntil: number; openUntil: number; learning: Promise<unknown> | null }>();

  constructor(private readonly options: { trustMs: number; openForMs: number; now?: () => number }) {}

  async pass(integrationId: string, call: () => Promise<DeliveryAttempt>, bypass = false): Promise<DeliveryAttempt | 'open'> {
    const state = this.state(integrationId);
    if (bypass) return this.record(integrationId, await call());
    for (;;) {
      const now = this.now();
      if (state.openUntil > now) return 'open';
      if (state.healthyUntil > now) return this.record(integrationId, await call());
      if (!state.learning) break;
      await state.learning.catch(() => undefined);
    }
    const learning = call();
    state.learning = learning;
    try {
      return this.record(integrationId, await learning);
    } finally {
      state.learning = null;
    }
  }

  /** A probe found the integration healthy again. */
  close(integrationId: string): void {
    Object.assign(this.state(integrationId), { openUntil: 0, healthyUntil: this.now() + this.options.trustMs });
  }

  private record(integrationId: string, attempt: DeliveryAttempt): DeliveryAttempt {
    const state = this.state(integrationId);
    if (attempt.outcome === 'accepted') this.close(integrationId);
    else if (attempt.failureClass === 'auth' || attempt.failureClass === 'configuration') {
      Object.assign(state, { healthyUntil: 0, openUntil: this.now() + this.options.openForMs });
    }
    return attempt;
  }

  private state(integrationId: string) {
    let state = this.states.get(integrationId);
    if (!state) this.states.set(integrationId, (state = { healthyUntil: 0, openUntil: 0, learning: null }));
    return state;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
