import { Context } from '@temporalio/activity';
import type { DeliveryAttempt } from '../workflows/types';
import type { EventHit } from '../xtremepush/hit';
import { integrationOf, type ActivityDeps } from './deps';

/**
 * Makes one attempt and reports it; never retries and never throws for an answer from Xtremepush. The workflow decides
 * what happens next, so every attempt and its response stay visible in the history.
 */
export function createDeliveryActivities(deps: ActivityDeps) {
  return {
    async deliverHit(input: { integrationId: string; hit: EventHit; attempt: number; bypassGate?: boolean }): Promise<DeliveryAttempt> {
      const integration = integrationOf(deps, input.integrationId);
      const workflowId = Context.current().info.workflowExecution?.workflowId;
      const send = async (): Promise<DeliveryAttempt> => {
        const exchange = await deps.xtremepush.sendEvent(integration, input.hit);
        const { classification } = exchange;
        return {
          attempt: input.attempt,
          at: new Date().toISOString(),
          url: exchange.request.url,
          response: exchange.response,
          ...(classification.outcome === 'accepted'
            ? { outcome: 'accepted' }
            : {
                outcome: 'failed',
                failureClass: classification.failureClass,
                message: classification.message,
                ...(classification.retryAfterMs !== undefined ? { retryAfterMs: classification.retryAfterMs } : {}),
              }),
        } as DeliveryAttempt;
      };
      const attempt = await deps.gate.pass(integration.id, send, input.bypassGate);
      if (attempt === 'open') {
        return {
          attempt: input.attempt,
          at: new Date().toISOString(),
          url: null,
          response: null,
          outcome: 'failed',
          failureClass: 'auth',
          circuitOpen: true,
          message: `not sent: Xtremepush refused this integration's credentials or configuration moments ago, so deliveries are parked until a probe succeeds. Run \`npm run cli -- doctor\`.`,
        };
      }
      if (attempt.response) {
        Context.current()
          .metricMeter.createCounter('sxp_xtremepush_responses', undefined, 'Answers from Xtremepush by HTTP status')
          .add(1, { integration: integration.id, status: String(attempt.response.status) });
      }
      const log = { workflowId, integration: integration.id, attempt: input.attempt, status: attempt.response?.status ?? null };
      if (attempt.outcome === 'accepted') deps.logger.info({ ...log, event: input.hit.event }, 'xtremepush accepted event');
      else deps.logger.warn({ ...log, failureClass: attempt.failureClass }, attempt.message);
      return attempt;
    },

    /** A read-only call that authenticates the token and creates nothing: is the integration usable again? */
    async probeIntegration(integrationId: string): Promise<{ healthy: boolean; message: string }> {
      const integration = integrationOf(deps, integrationId);
      const exchange = await deps.xtremepush.call(integration, 'list/profile-subscription', {
        condition: [['user_id', '=', 'signal-xtremepush-probe']],
      });
      if (exchange.classification.outcome === 'accepted') {
        deps.gate.close(integrationId);
        return { healthy: true, message: 'Xtremepush accepted the credentials' };
      }
      return { healthy: false, message: exchange.classification.message };
    },
  };
}
