import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions, type WorkerPlugin, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { WorkerSettings } from '../config/schema';
import { WORKFLOWS_PATH } from './bundles';

export interface DeliveryWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (the compiled build's, or the one tests share); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** How long in-flight deliveries may finish on shutdown before they are cancelled. */
  shutdownGraceTime?: Duration;
  /** E.g. OpenTelemetry tracing (with a prebuilt bundle, the bundle must hold its workflow interceptors). */
  plugins?: WorkerPlugin[];
  /** The payload codec the service's clients use (`dataConverterFor`): workers must read what clients write. */
  dataConverter?: DataConverter;
  tuning: WorkerSettings;
}

export function createDeliveryWorker(options: DeliveryWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(options.deps),
    shutdownGraceTime: options.shutdownGraceTime ?? '30s',
    ...tuningOptions(options.tuning),
    // A bug in workflow code ends the delivery as Failed, saying what went wrong (and `replay` redelivers it once
    // fixed), instead of retrying its workflow task for ever. Nondeterminism still retries: a deploy can fix it.
    workflowFailureErrorTypes: { '*': ['TypeError', 'RangeError', 'ReferenceError'] },
    dataConverter: options.dataConverter,
    plugins: options.plugins,
  });
}

/** The worker's slots and pollers; the benchmark gives its engine-ceiling worker the same. */
export function tuningOptions(tuning: WorkerSettings) {
  return {
    maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTasks,
    maxConcurrentLocalActivityExecutions: tuning.maxConcurrentLocalActivities,
    maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivities,
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    maxConcurrentWorkflowTaskPolls: tuning.maxWorkflowTaskPolls,
    // A delivery's first (usually only) task comes on the non-sticky queue; the SDK's default gives it 20% of pollers.
    nonStickyToStickyPollRatio: 0.8,
  } satisfies Partial<WorkerOptions>;
}
