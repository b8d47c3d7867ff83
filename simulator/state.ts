/** What the simulator has seen: every External API request and every accepted event. */
import type { AcceptedEvent, HitFilter, ReceivedRequest, Region, SimulatorHit } from './types';

export type { AcceptedEvent };

export class SimulatorState {
  private seq = 0;
  private requests: ReceivedRequest[] = [];
  private accepted: SimulatorHit[] = [];

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  record(request: ReceivedRequest): void {
    this.requests.push(request);
  }

  land(region: Region, project: string, seq: number, receivedAt: number, events: AcceptedEvent[]): void {
    for (const e of events) {
      const hit: SimulatorHit = { region, project, user_id: e.user_id, event: e.event, receivedAt, seq };
      if (e.timestamp !== undefined) hit.timestamp = e.timestamp;
      if (e.value !== undefined) hit.value = e.value;
      if (e.user_attributes !== undefined) hit.user_attributes = e.user_attributes;
      if (e.consent_preferences !== undefined) hit.consent_preferences = e.consent_preferences;
      this.accepted.push(hit);
    }
  }

  /** In arrival order (records are written when answered, so a slow answer may be written late). */
  received(region?: Region): ReceivedRequest[] {
    return this.requests
      .filter((r) => region === undefined || r.region === region)
      .sort((a, b) => a.seq - b.seq)
      .map((r) => ({ ...r }));
  }

  hits(filter: HitFilter & { region?: Region } = {}): SimulatorHit[] {
    return this.accepted
      .filter(
        (h) =>
          (filter.region === undefined || h.region === filter.region) &&
          (filter.project === undefined || h.project === filter.project) &&
          (filter.user_id === undefined || h.user_id === filter.user_id) &&
          (filter.event === undefined || h.event === filter.event),
      )
      .sort((a, b) => a.seq - b.seq)
      .map((h) => ({ ...h }));
  }

  reset(): void {
    this.seq = 0;
    this.requests = [];
    this.accepted = [];
  }
}
