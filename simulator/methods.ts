/**
 * The External API methods the simulator knows, keyed by "{method}/{model}". Each handler gets an
 * already authenticated request; what it accepts is returned in `landed`.
 */
import { answers, ok, type Answer } from './envelope';
import type { AcceptedEvent, SimulatorState } from './state';
import type { Region, SimulatorHit, SimulatorProject } from './types';
import { validateBatch, validateCampaignId, validateEvent, validateUserCondition } from './validation';

export interface MethodContext {
  region: Region;
  /** Events of these user_ids are refused as invalid. */
  refusedUserIds: ReadonlySet<string>;
  /** null only for a write method called with a token of the other region. */
  project: SimulatorProject | null;
  body: Record<string, unknown>;
  state: SimulatorState;
}

export interface MethodResult {
  answer: Answer;
  landed?: AcceptedEvent[];
}

export interface ApiMethod {
  /** Read-only methods authenticate strictly: a token of the other region fails (401). */
  readOnly: boolean;
  handle(ctx: MethodContext): MethodResult;
}

function userHits(ctx: MethodContext, userId: string): SimulatorHit[] {
  if (!ctx.project) return [];
  return ctx.state.hits({ region: ctx.region, project: ctx.project.name, user_id: userId });
}

const hitEvent: ApiMethod = {
  readOnly: false,
  handle(ctx) {
    const result = validateEvent(ctx.body);
    if (!result.ok) return { answer: answers.invalid(result.errors) };
    if (ctx.refusedUserIds.has(result.value.user_id)) return { answer: answers.invalid([`user_id ${result.value.user_id} is refused`]) };
    return { answer: ok(), landed: [result.value] };
  },
};

const hitEvents: ApiMethod = {
  readOnly: false,
  handle(ctx) {
    const result = validateBatch(ctx.body);
    if (!result.ok) return { answer: answers.invalid(result.errors) };
    const refused = result.value.flatMap((e, i) => (ctx.refusedUserIds.has(e.user_id) ? [`events[${i}].user_id ${e.user_id} is refused`] : []));
    if (refused.length > 0) return { answer: answers.invalid(refused) };
    return { answer: ok(), landed: result.value };
  },
};

/** Consent state of a profile: every channel/group at the latest value seen for that user. */
const listConsentPreferenceProfile: ApiMethod = {
  readOnly: true,
  handle(ctx) {
    const userId = validateUserCondition(ctx.body);
    if (!userId.ok) return { answer: answers.invalid(userId.errors) };
    const merged: Record<string, Record<string, number>> = {};
    let seen = false;
    for (const hit of userHits(ctx, userId.value)) {
      if (!hit.consent_preferences) continue;
      seen = true;
      for (const [channel, groups] of Object.entries(hit.consent_preferences)) {
        merged[channel] = { ...merged[channel], ...groups };
      }
    }
    return { answer: ok(seen ? [{ user_id: userId.value, consent_preferences: merged }] : []) };
  },
};

const listProfileSubscription: ApiMethod = {
  readOnly: true,
  handle(ctx) {
    const userId = validateUserCondition(ctx.body);
    if (!userId.ok) return { answer: answers.invalid(userId.errors) };
    const hits = userHits(ctx, userId.value);
    if (hits.length === 0) return { answer: ok([]) };
    const attributes = Object.assign({}, ...hits.map((h) => h.user_attributes ?? {})) as Record<string, unknown>;
    return {
      answer: ok([
        {
          user_id: userId.value,
          user_attributes: attributes,
          events: hits.length,
          first_seen: new Date(hits[0].receivedAt).toISOString(),
          last_seen: new Date(hits[hits.length - 1].receivedAt).toISOString(),
        },
      ]),
    };
  },
};

const infoCampaign: ApiMethod = {
  readOnly: true,
  handle(ctx) {
    const id = validateCampaignId(ctx.body);
    if (!id.ok) return { answer: answers.invalid(id.errors) };
    return { answer: ok({ id: id.value, name: `Simulated campaign ${id.value}`, status: 'active' }) };
  },
};

export const API_METHODS: Readonly<Record<string, ApiMethod>> = {
  'hit/event': hitEvent,
  'hit/events': hitEvents,
  'list/consent-preference-profile': listConsentPreferenceProfile,
  'list/profile-subscription': listProfileSubscription,
  'info/campaign': infoCampaign,
};

export const API_PREFIX = '/api/external/';

/** The method for a request path, or undefined for a bad URI. */
export function methodForPath(path: string): ApiMethod | undefined {
  if (!path.startsWith(API_PREFIX)) return undefined;
  const key = path.slice(API_PREFIX.length);
  return Object.prototype.hasOwnProperty.call(API_METHODS, key) ? API_METHODS[key] : undefined;
}
