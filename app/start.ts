import path from 'node:path';
import { codecEndpointUrl, codecServerOptionsOf } from '../codec/codec-server';
import { loadConfig, SANDBOX } from '../config/load';
import { startSimulator, type Simulator } from '../simulator';
import { startDevServer, type DevServer } from '../temporal/dev-server';
import { banner } from './banner';
import { createLogger, isPretty } from './logger';
import { logMissingLaunchSettings } from '../runtime/launch-env';
import { runProcess, type RunningProcess } from '../runtime/run-process';
import { startService } from './service';

/**
 * README command 1: everything on one machine. An embedded Temporal dev server (state kept in .data/) unless
 * TEMPORAL_ADDRESS is set, the worker, the ingest API, and the Xtremepush simulator when no app token is configured.
 */
async function main(): Promise<RunningProcess> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, config.logFormat);
  for (const warning of config.warnings) logger.warn(warning);
  logMissingLaunchSettings(logger);

  let simulator: Simulator | null = null;
  if (config.sandbox && config.simulator) {
    simulator = await startSimulator({
      eu: { port: config.simulator.euPort, projects: [{ name: 'sandbox-eu', token: SANDBOX.euToken }] },
      us: { port: config.simulator.usPort, projects: [{ name: 'sandbox-us', token: SANDBOX.usToken }] },
      logger,
    });
    logger.warn(
      { simulator: simulator.urls },
      'SANDBOX MODE: no XTREMEPUSH_APP_TOKEN is set, so events go to the built-in Xtremepush simulator, not to Xtremepush',
    );
  }

  let devServer: DevServer | null = null;
  if (!config.temporal.address) {
    devServer = await startDevServer({
      cliPath: config.temporal.dev.cliPath,
      port: config.temporal.dev.port,
      uiPort: config.temporal.dev.uiPort,
      // A port chosen at listen time (API_PORT=0) is not known yet: the UI then goes without the codec endpoint.
      uiCodecEndpoint: codecServerOptionsOf(config) && config.api.port !== 0 ? codecEndpointUrl(config.api) : undefined,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      namespace: config.temporal.namespace,
      logger,
    });
  }
  const temporalAddress = config.temporal.address ?? devServer!.address;
  const service = await startService({ config, logger, temporalAddress, run: { api: true, worker: true } });

  const metricsUrl = config.metrics.port === undefined ? null : `http://${config.metrics.host}:${config.metrics.port}/metrics`;
  logger.info(
    {
      ingestApi: service.apiUrl,
      metrics: metricsUrl ?? 'off (set METRICS_PORT)',
      temporal: temporalAddress,
      webUi: devServer?.uiUrl ?? 'the Web UI of your Temporal cluster',
      simulator: simulator?.urls,
      writeKey: config.sandbox ? SANDBOX.writeKey : '(one of INGEST_WRITE_KEYS)',
      integrations: config.integrations.map((i) => `${i.id} (${i.region}, ${i.apiBaseUrl})`),
    },
    `ready: send events to ${service.apiUrl}/v1/track; watch deliveries at ${devServer?.uiUrl ?? 'your Temporal Web UI'}`,
  );
  if (isPretty(config.logFormat)) {
    process.stdout.write(
      banner({
        sandbox: config.sandbox,
        api: service.apiUrl!,
        writeKey: config.sandbox ? SANDBOX.writeKey : null,
        webUi: devServer?.uiUrl ?? null,
        namespace: config.temporal.namespace,
        temporal: temporalAddress,
        simulator: simulator?.urls ?? null,
        metrics: metricsUrl,
      }),
    );
  }

  return {
    logger,
    stopping: 'finishing in-flight deliveries',
    done: service.workerDone,
    stop: async () => {
      await service.close();
      await devServer?.stop();
      await simulator?.close();
    },
  };
}

runProcess(main);
