import type { Logger } from 'pino';
import { ConfigError } from '../errors';
import { applySoftHeapFlags } from './heap-flags';

export interface RunningProcess {
  logger: Logger;
  /** What stopping does, for the log line, e.g. "finishing in-flight deliveries". */
  stopping?: string;
  /** Stops what the process started, in order. */
  stop(): Promise<void>;
  /** Settles when the work stops on its own; a rejection (the worker failed) stops the whole process with exit code 1. */
  done?: Promise<void>;
}

/**
 * The one way every long-running entry point starts and stops: a start failure is printed (a configuration error as
 * its list of fixes) and exits 1; SIGINT/SIGTERM or a failure of the running work stop everything, once.
 */
export function runProcess(start: () => Promise<RunningProcess>): void {
  applySoftHeapFlags();
  start().then(
    (running) => {
      let stopping: Promise<void> | undefined;
      const stop = (reason: string): Promise<void> =>
        (stopping ??= (async () => {
          running.logger.info({ reason }, running.stopping ? `shutting down: ${running.stopping}` : 'shutting down');
          await running.stop();
          running.logger.info('stopped');
        })());
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      running.done?.catch(async (error: unknown) => {
        running.logger.fatal({ err: error }, 'failed');
        process.exitCode = 1;
        await stop('failed');
      });
    },
    (error: unknown) => {
      console.error(error instanceof ConfigError ? error.message : error);
      process.exit(1);
    },
  );
}
