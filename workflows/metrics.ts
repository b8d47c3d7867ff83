import { metricMeter } from '@temporalio/workflow';
import type { FinalOutcome } from './vocabulary';

/*
 * Delivery outcomes, counted where they are decided. Workflow metrics go through the Temporal runtime's exporter
 * (METRICS_PORT) and are not emitted again when a workflow is replayed, so each delivery counts once. Instruments
 * are created at use: the meter exists only inside a workflow, and clients import this module too.
 */

export function countOutcome(integration: string, outcome: FinalOutcome, reason = ''): void {
  metricMeter.createCounter('sxp_deliveries', undefined, 'Deliveries that ended, by integration, outcome and reason').add(1, { integration, outcome, reason });
}

export function recordLatency(integration: string, receivedAt: string): void {
  metricMeter
    .createHistogram('sxp_delivery_latency', 'int', 'ms', 'From ingest to the accepted Xtremepush answer')
    .record(Math.max(0, Date.now() - Date.parse(receivedAt)), { integration });
}

export function countParked(integration: string, failureClass: string): void {
  metricMeter
    .createCounter('sxp_deliveries_parked', undefined, 'Times a delivery parked on an auth or configuration failure')
    .add(1, { integration, failure_class: failureClass });
}
