import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EventHit } from '../xtremepush/hit';
import type { DeliveryFailureDetails } from '../workflows/types';
import { integrationOf, type ActivityDeps } from './deps';

export interface DeliveryReceipt {
  code: number;
  attempt: number;
}

/**
 * Sends one hit. Failures become ApplicationFailures whose type is the failure class, non-retryable unless the class is
 * throttled or transient, with Retry-After honoured through nextRetryDelay.
 */
export function createDeliverHit(deps: ActivityDeps) {
  return async function deliverHit(input: { integrationId: string; hit: EventHit }): Promise<DeliveryReceipt> {
    const integration = integrationOf(deps, input.integrationId);
    const { attempt, workflowExecution } = Context.current().info;
    const exchange = await deps.xtremepush.sendEvent(integration, input.hit);
    const { classification } = exchange;
    const log = { workflowId: workflowExecution?.workflowId, integration: integration.id, attempt, status: exchange.response?.status ?? null };
    if (classification.outcome === 'accepted') {
      deps.logger.info({ ...log, event: input.hit.event }, 'xtremepush accepted event');
      return { code: classification.code, attempt };
    }
    deps.logger.warn({ ...log, failureClass: classification.failureClass, retryable: classification.retryable }, classification.message);
    const details: DeliveryFailureDetails = { failureClass: classification.failureClass, code: classification.code };
    throw ApplicationFailure.create({
      type: classification.failureClass,
      message: classification.message,
      nonRetryable: !classification.retryable,
      nextRetryDelay: classification.retryAfterMs,
      details: [details, { request: exchange.request, response: exchange.response }],
    });
  };
}
