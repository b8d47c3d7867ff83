import { loadConfig } from '../config/load';
import { ConfigError } from '../errors';
import { createLogger } from './logger';
import { logMissingLaunchSettings } from '../runtime/launch-env';
import { runProcess } from '../runtime/run-process';
import { startService } from './service';

/**
 * Shared body of the separate entry points (worker/main.ts, api/main.ts) that scale on their own against a Temporal
 * cluster. SIGTERM/SIGINT: the API stops accepting, the worker lets in-flight deliveries finish, then the process exits.
 */
export function runEntryPoint(run: { api: boolean; worker: boolean }): void {
  runProcess(async () => {
    const config = loadConfig();
    const logger = createLogger(config.logLevel, config.logFormat);
    for (const warning of config.warnings) logger.warn(warning);
    if (!config.temporal.address) {
      throw new ConfigError(['TEMPORAL_ADDRESS: is required for this entry point (use `npm start` for the all-in-one mode with an embedded dev server)']);
    }
    if (config.sandbox) logger.warn('no XTREMEPUSH_APP_TOKEN is set: deliveries go to the simulator URL, not to Xtremepush');
    logMissingLaunchSettings(logger);
    const service = await startService({ config, logger, temporalAddress: config.temporal.address, run });
    logger.info({ ...run, apiUrl: service.apiUrl, taskQueue: config.temporal.taskQueue }, 'started');
    return { logger, stopping: 'finishing in-flight deliveries', done: service.workerDone, stop: () => service.close() };
  });
}
