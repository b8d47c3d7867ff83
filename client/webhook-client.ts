import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { subjectHash } from '../privacy/subject';
import type { WebhookConnection } from '../webhooks/config';
import { messageFacts, type MessageEvent } from '../webhooks/schema';
import {
  channelWebhookWorkflowId,
  keyword,
  messageEventWorkflowId,
  SA,
  WORKFLOW_TYPES,
  type RecordChannelWebhookInput,
  type RecordMessageEventInput,
} from '../workflows/contracts';
import { TemporalUnavailableError } from '../errors';

/**
 * A redelivered webhook carries the same event, time, profile, campaign and trigger: hashing them gives one id, so it
 * is recorded once.
 */
export function messageEventKey(connection: string, event: MessageEvent): string {
  const f = messageFacts(event);
  const parts = [connection, event.event, event.time, f.profileId ?? '', f.campaignId ?? '', f.triggerId ?? '', f.userId ?? '', f.deviceId ?? ''];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/** Starts the durable recording of webhooks; used by the receiver routes and tests. */
export function createWebhookClient(options: { client: Client; taskQueue: string; startTimeoutMs?: number; privacyHashKey?: string }) {
  const { client, taskQueue, privacyHashKey } = options;
  // The recording names the person: `cli erase` finds it by the keyed hash of their user id.
  const userHash = (userIds: string[]) =>
    privacyHashKey && userIds.length > 0 ? [{ key: SA.userHash, value: userIds.map((id) => subjectHash(privacyHashKey, 'user', id)) }] : [];
  const withDeadline = async <T>(start: () => Promise<T>): Promise<T> => {
    try {
      return await client.withDeadline(Date.now() + (options.startTimeoutMs ?? 10_000), start);
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw error;
      throw new TemporalUnavailableError(error);
    }
  };

  return {
    /** Resolves once Temporal holds the recording; `duplicate` when this webhook was recorded already. */
    async recordMessageEvent(connection: WebhookConnection, event: MessageEvent): Promise<{ workflowId: string; duplicate: boolean }> {
      const id = messageEventKey(connection.name, event);
      const workflowId = messageEventWorkflowId(connection.name, id);
      const { messageType, campaignId, userId } = messageFacts(event);
      try {
        await withDeadline(() =>
          client.workflow.start(WORKFLOW_TYPES.recordMessageEvent, {
            taskQueue,
            workflowId,
            args: [{ id, connection: connection.name, unsubscribeCategories: connection.unsubscribeCategories, event } satisfies RecordMessageEventInput],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [
              { key: SA.webhookEvent, value: keyword(event.event) },
              ...(messageType ? [{ key: SA.messageType, value: keyword(messageType) }] : []),
              ...(campaignId ? [{ key: SA.campaignId, value: keyword(campaignId) }] : []),
              ...userHash(userId ? [userId] : []),
            ],
            staticSummary: `webhook ${event.event}${messageType ? ` (${messageType})` : ''}${campaignId ? ` campaign ${campaignId}` : ''}`,
          }),
        );
        return { workflowId, duplicate: false };
      } catch (error) {
        if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, duplicate: true };
        throw error;
      }
    },

    /** Webhook channel calls carry no identity of their own: each call is kept. */
    async recordChannelWebhook(connection: WebhookConnection, body: unknown): Promise<{ workflowId: string }> {
      const id = randomUUID();
      const workflowId = channelWebhookWorkflowId(connection.name, id);
      await withDeadline(() =>
        client.workflow.start(WORKFLOW_TYPES.recordChannelWebhook, {
          taskQueue,
          workflowId,
          args: [{ id, connection: connection.name, receivedAt: new Date().toISOString(), body } satisfies RecordChannelWebhookInput],
          typedSearchAttributes: userHash(userIdsIn(body)),
          staticSummary: `webhook channel call on connection ${connection.name}`,
        }),
      );
      return { workflowId };
    },
  };
}

export type WebhookClient = ReturnType<typeof createWebhookClient>;

const USER_ID_KEY = /^user_?id$/i;

/** A campaign-defined body names a user where a key reads user_id or userId, at any depth. */
function userIdsIn(body: unknown, depth = 0, found = new Set<string>()): string[] {
  if (depth < 8 && body !== null && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string' && USER_ID_KEY.test(key)) found.add(value);
      else userIdsIn(value, depth + 1, found);
    }
  }
  return [...found].slice(0, 20);
}
