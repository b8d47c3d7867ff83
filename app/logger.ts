import pino, { type Logger } from 'pino';
import { prettyLogStream } from './log-format';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/**
 * Structured logs: JSON lines for log collectors, or one readable line each for a person at a terminal (`LOG_FORMAT`
 * auto, the default, picks by whether stdout is a terminal).
 */
export function createLogger(level: string, format: LogFormat = 'auto'): Logger {
  return pino({ level, base: { service: 'signal-xtremepush' } }, isPretty(format) ? prettyLogStream() : undefined);
}

type LogFormat = 'auto' | 'json' | 'pretty';

export function isPretty(format: LogFormat): boolean {
  return format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
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
    // The SDK's own chatter from WARN up; workflows' own lines (a delivery dropped or failed) from INFO.
    logger: new DefaultLogger('INFO', (entry) => {
      const fromWorkflow = entry.meta?.sdkComponent === 'workflow';
      if (!fromWorkflow && (entry.level === 'INFO' || entry.level === 'DEBUG' || entry.level === 'TRACE')) return;
      (fromWorkflow ? logger : sdk)[levels[entry.level]]({ ...entry.meta }, entry.message);
    }),
  });
}
