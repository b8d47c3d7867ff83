import type { DataConverter, Duration } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerPlugin, type WorkflowBundleOption } from '@temporalio/worker';
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
    maxConcurrentWorkflowTaskExecutions: options.tuning.maxConcurrentWorkflowTasks,
    maxConcurrentLocalActivityExecutions: options.tuning.maxConcurrentLocalActivities,
    maxConcurrentActivityTaskExecutions: options.tuning.maxConcurrentActivities,
    maxCachedWorkflows: options.tuning.maxCachedWorkflows,
    // A bug in workflow code ends the delivery as Failed, saying what went wrong (and `replay` redelivers it once
    // fixed), instead of retrying its workflow task for ever. Nondeterminism still retries: a deploy can fix it.
    workflowFailureErrorTypes: { '*': ['TypeError', 'RangeError', 'ReferenceError'] },
    dataConverter: options.dataConverter,
    plugins: options.plugins,
  });
}
