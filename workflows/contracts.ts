import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { AcceptedEvent } from '../events/schema';
import type { PrivacyLogEntry } from '../identity/store';
import type { MessageEvent } from '../webhooks/schema';
import type { EventHit } from '../xtremepush/hit';
import type { DropReason, FailureClass, FinalFailure } from './vocabulary';

/*
 * What the workflows, the activities that start them and every client agree on: workflow types and ids, signals,
 * queries, search attributes and the shapes that cross between them. Nothing here runs anything, so each side
 * imports it without importing the other.
 */

export const WORKFLOW_TYPES = {
  deliverEvent: 'deliverEvent',
  holdAnonymousEvents: 'holdAnonymousEvents',
  circuitBreaker: 'circuitBreaker',
  recordMessageEvent: 'recordMessageEvent',
  recordChannelWebhook: 'recordChannelWebhook',
  previewDelivery: 'previewDelivery',
  privacyRequest: 'privacyRequest',
} as const;

// ---- workflow ids ----

/** One delivery per integration and messageId: the same event sent twice is delivered once. */
export function deliveryWorkflowId(integrationId: string, messageId: string): string {
  return `deliver-${integrationId}-${messageId}`;
}

/**
 * One hold per deployment (task queue), integration and anonymousId, where its held events and identifies meet. Named
 * by a digest of the task queue and anonymousId (events/ids.ts `holdDigest`): fixed length whatever the id's bytes, and
 * no device id in plain view.
 */
export function holdWorkflowId(integrationId: string, digest: string): string {
  return `hold-${integrationId}-${digest}`;
}

/** One circuit breaker per deployment and integration: deployments may share a namespace. */
export function circuitWorkflowId(taskQueue: string, integrationId: string): string {
  return `circuit-${taskQueue}-${integrationId}`;
}

/** A replay's id derives from the run it replays, so replaying the same selection twice starts nothing new. */
export function replayWorkflowId(original: { workflowId: string; runId: string }): string {
  return `${original.workflowId}-replay-${original.runId.slice(0, 8)}`;
}

export function messageEventWorkflowId(connection: string, key: string): string {
  return `webhook-${connection}-${key}`;
}

export function previewWorkflowId(id: string): string {
  return `preview-${id}`;
}

export function privacyWorkflowId(id: string): string {
  return `privacy-${id}`;
}

export function channelWebhookWorkflowId(connection: string, id: string): string {
  return `webhook-channel-${connection}-${id}`;
}

// ---- signals and queries ----

/** Sent to an anonymous event's hold: another delivery of that anonymousId is waiting for an identify. */
export const registerHeldEventSignal = defineSignal<[HeldEvent]>('registerHeldEvent');
/** Sent to a hold by an identify or alias that linked its anonymousId to a user. */
export const identifiedSignal = defineSignal<[{ userId: string }]>('identified');
/** Sent by a hold to one waiting delivery: go on as this user. */
export const releaseHeldEventSignal = defineSignal<[{ userId: string }]>('releaseHeldEvent');
/** Sent back by a released delivery when it has ended, so the hold releases the next one in order. */
export const heldEventDoneSignal = defineSignal<[{ workflowId: string }]>('heldEventDone');

/** Sent to an integration's circuit breaker by a delivery that Xtremepush refused for auth or configuration. */
export const parkDeliverySignal = defineSignal<[{ workflowId: string; failureClass: string; message: string }]>('parkDelivery');
/** Sent to a circuit breaker by an operator (`cli resume`): probe now instead of at the next interval. */
export const probeNowSignal = defineSignal('probeNow');
/** Sent by `cli erase` to a delivery still waiting (held, parked, retrying): end as dropped, erased. */
export const eraseDeliverySignal = defineSignal('eraseDelivery');
/** Sent by a circuit breaker (or `cli resume --force`) to a parked delivery: try again. */
export const resumeDeliverySignal = defineSignal('resumeDelivery');
export const circuitStateQuery = defineQuery<{ parked: number; lastProbe: string | null }>('circuitState');

// ---- search attributes ----

/**
 * Custom search attributes, for filtering in the Web UI and `client.workflow.list`. They are not encrypted by payload
 * codecs: no PII and no secrets in them, ever.
 */
export const SA = {
  integration: defineSearchAttributeKey('XpIntegration', SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey('XpRegion', SearchAttributeType.KEYWORD),
  sourceEvent: defineSearchAttributeKey('XpSourceEvent', SearchAttributeType.KEYWORD),
  xtremepushEvent: defineSearchAttributeKey('XpEvent', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('XpOutcome', SearchAttributeType.KEYWORD),
  dropReason: defineSearchAttributeKey('XpDropReason', SearchAttributeType.KEYWORD),
  failureClass: defineSearchAttributeKey('XpFailureClass', SearchAttributeType.KEYWORD),
  webhookEvent: defineSearchAttributeKey('XpWebhookEvent', SearchAttributeType.KEYWORD),
  messageType: defineSearchAttributeKey('XpMessageType', SearchAttributeType.KEYWORD),
  campaignId: defineSearchAttributeKey('XpCampaignId', SearchAttributeType.KEYWORD),
  /** A message failure's error_message, cut to 256 characters; Text (full-text search) because SQL visibility allows only 10 Keywords. */
  errorMessage: defineSearchAttributeKey('XpErrorMessage', SearchAttributeType.TEXT),
  /**
   * Keyed hashes (privacy/subject.ts) of the person an execution is about: their userId's and their anonymousIds', so
   * `XpUserHash = '<hash>'` finds every delivery of a person without naming them. A list, which also has a quota of
   * its own beside the ten Keywords.
   */
  userHash: defineSearchAttributeKey('XpUserHash', SearchAttributeType.KEYWORD_LIST),
} as const;

export const SEARCH_ATTRIBUTE_KEYS = Object.values(SA);

/** Keyword values are capped (2 KB by default): names from events are cut well below it. */
export function keyword(value: string): string {
  return value.slice(0, 200);
}

// ---- deliveries ----

/** Retry settings travel in the input so a running delivery keeps the policy it started with. */
export interface DeliveryRetryPolicy {
  initialIntervalMs: number;
  maximumIntervalMs: number;
  /** How long a delivery keeps retrying transient failures before it gives up. */
  horizonMs: number;
  /** Upper bound of one HTTP call to Xtremepush. */
  attemptTimeoutMs: number;
}

export interface DeliverEventInput {
  integrationId: string;
  event: AcceptedEvent;
  retry: DeliveryRetryPolicy;
  /** How long an event with an unknown anonymousId waits for an identify. */
  holdWindowMs: number;
  /** Carried over by continue-as-new: where a long delivery had got to. */
  progress?: DeliveryProgress;
  /**
   * Set on every delivery started now: preparing and the first attempt are one local activity. A delivery started
   * without it ran them as two, and replays its history that way.
   */
  combinedFirstStep?: true;
}

/** One call to Xtremepush as one event saw it: kept so `inspect` and the Web UI show what happened. */
export type DeliveryAttempt = {
  attempt: number;
  at: string;
  /** Null when no call was made (the integration's credentials are refused, or the attempt ran out of time first). */
  url: string | null;
  /** The request that carried the event: several events share one when batched. */
  batch?: { id: string; size: number };
  response: { status: number; body: unknown } | null;
} & ({ outcome: 'accepted' } | { outcome: 'failed'; failureClass: FailureClass; message: string; retryAfterMs?: number; circuitOpen?: boolean });

/**
 * What a delivery keeps of its attempts: the first, the latest and how many. Every attempt of a day-long outage would
 * grow the history without bound; these say what happened and how it ended.
 */
export interface AttemptRecord {
  count: number;
  first: DeliveryAttempt | null;
  last: DeliveryAttempt | null;
}

export interface DeliveryProgress {
  hit: EventHit;
  sourceEvent: string;
  userId: string;
  attempts: AttemptRecord;
  /** When the current run of retries began (the horizon counts from here); reset after a park. */
  retryingSince: number;
}

export type DeliveryResult =
  | { outcome: 'delivered'; xtremepushEvent: string; userId: string; attempts: AttemptRecord; hit: EventHit }
  | { outcome: 'stored'; userId: string; detail: string }
  | { outcome: 'dropped'; reason: DropReason; detail: string };

/** What a failed delivery carries in its failure details (the failure message holds the hint). */
export interface DeliveryFailureDetails {
  failureClass: FinalFailure;
  attempts: AttemptRecord;
  hit: EventHit | null;
}

// ---- holds, circuit breakers, webhooks ----

export interface HeldEvent {
  workflowId: string;
  /** When the event happened: held events are released in this order. */
  at: string;
  /** Workflow time after which the waiting delivery gives up by itself. */
  deadline: number;
}

export interface HoldInput {
  integrationId: string;
  /** In the input (payloads may be encrypted), not in the workflow id. */
  anonymousId: string;
  /** Carried over by continue-as-new. */
  pending?: HeldEvent[];
  userId?: string | null;
}

export interface CircuitInput {
  integrationId: string;
  probeIntervalMs: number;
  /** Carried over by continue-as-new. */
  parked?: string[];
}

export interface RecordMessageEventInput {
  /** The webhook's dedupe key (also in the workflow id). */
  id: string;
  connection: string;
  /** Consent categories an unsubscribe revokes (and a re-subscribe grants); not secret, so they travel with the event. */
  unsubscribeCategories: string[];
  event: MessageEvent;
}

export interface RecordChannelWebhookInput {
  id: string;
  connection: string;
  receivedAt: string;
  body: unknown;
}

// ---- privacy ----

/** What `cli erase`, `suppress` and `privacy log` ask of the identity store the service's worker owns. */
export type PrivacyRequest =
  | { kind: 'erase'; userId: string; anonymousIds: string[]; dryRun: boolean }
  | { kind: 'suppress' | 'unsuppress'; subject: string }
  | { kind: 'listSuppressed' }
  | { kind: 'record'; entry: Omit<PrivacyLogEntry, 'at'> }
  | { kind: 'log'; limit: number };
