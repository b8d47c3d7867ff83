/** Visibility queries over delivery workflows, built in one place for `replay`, `stats` and the README's examples. */
export interface DeliveryFilter {
  /** Several deployments may share a namespace; each has its own task queue. */
  taskQueue?: string;
  integration?: string;
  /** null: no outcome recorded yet (a delivery under way). */
  outcome?: string | null;
  /** Temporal's own execution status, e.g. `Running` or `Terminated`. */
  status?: string | string[];
  failureClass?: string;
  dropReason?: string;
  /** Keyed hashes of a person (privacy/subject.ts): deliveries tagged with any of them. */
  userHashes?: readonly string[];
  /** ISO-8601 bounds on the delivery's start time. */
  since?: string;
  until?: string;
}

/** Executions that Temporal or an operator ended, not the delivery itself: never delivered, counted apart. */
export const ENDED_STATUSES = ['Terminated', 'TimedOut', 'Canceled'];

const quote = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function deliveryQuery(filter: DeliveryFilter = {}): string {
  const clauses = [`WorkflowType = 'deliverEvent'`];
  if (filter.taskQueue) clauses.push(`TaskQueue = ${quote(filter.taskQueue)}`);
  if (filter.integration) clauses.push(`XpIntegration = ${quote(filter.integration)}`);
  if (filter.outcome === null) clauses.push('XpOutcome IS NULL');
  else if (filter.outcome) clauses.push(`XpOutcome = ${quote(filter.outcome)}`);
  if (typeof filter.status === 'string') clauses.push(`ExecutionStatus = ${quote(filter.status)}`);
  else if (filter.status) clauses.push(`ExecutionStatus IN (${filter.status.map(quote).join(', ')})`);
  if (filter.failureClass) clauses.push(`XpFailureClass = ${quote(filter.failureClass)}`);
  if (filter.dropReason) clauses.push(`XpDropReason = ${quote(filter.dropReason)}`);
  if (filter.userHashes) clauses.push(`XpUserHash IN (${filter.userHashes.map(quote).join(', ')})`);
  if (filter.since) clauses.push(`StartTime >= ${quote(new Date(filter.since).toISOString())}`);
  if (filter.until) clauses.push(`StartTime < ${quote(new Date(filter.until).toISOString())}`);
  return clauses.join(' AND ');
}
