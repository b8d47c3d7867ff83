import pino, { type Logger } from 'pino';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'signal-xtremepush' } });
}

let runtimeInstalled = false;

/**
 * Routes the Temporal SDK's own logs into our structured log. Runtime.install must run before any worker connection
 * exists, and only once per process.
 */
export function installTemporalRuntime(logger: Logger, metricsBindAddress?: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const sdk = logger.child({ component: 'temporal-sdk' });
  const levels: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'info',
    WARN: 'warn',
    ERROR: 'error',
  };
  Runtime.install({
    // Our entry points own SIGINT/SIGTERM so the API stops accepting before the worker drains.
    shutdownSignals: [],
    // The runtime's Prometheus exporter serves the SDK's metrics and ours (sxp_*) on one /metrics endpoint.
    ...(metricsBindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsBindAddress, countersTotalSuffix: true } } } } : {}),
    logger: new DefaultLogger('WARN', (entry) => sdk[levels[entry.level]]({ ...entry.meta }, entry.message)),
  });
}
