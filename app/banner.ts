/** What `npm start` prints for the person who ran it: where everything is, and how to use and stop it. */
export function banner(where: {
  sandbox: boolean;
  api: string;
  writeKey: string | null;
  webUi: string | null;
  namespace: string;
  temporal: string;
  simulator: { eu: string; us: string } | null;
  metrics: string | null;
}): string {
  const row = (label: string, value: string) => `  ${label.padEnd(11)}${value}`;
  return `${[
    '',
    `signal-xtremepush is running${where.sandbox ? ' in SANDBOX MODE: events go to the built-in Xtremepush simulator, not to Xtremepush' : ''}`,
    row('ingest API', `${where.api}/v1/track, /v1/batch, ...${where.writeKey ? `  (write key ${where.writeKey}, as the HTTP Basic username)` : ''}`),
    row('Web UI', where.webUi ? `${where.webUi}  (namespace ${where.namespace})` : `your Temporal cluster's Web UI (namespace ${where.namespace})`),
    row('Temporal', where.temporal),
    ...(where.simulator
      ? [row('simulator', `${where.simulator.eu} (EU), ${where.simulator.us} (US); what it received: ${where.simulator.eu}/__simulator/received`)]
      : []),
    row('metrics', where.metrics ?? 'off (set METRICS_PORT to serve Prometheus metrics)'),
    row('operate', 'npm run cli -- doctor | inspect <messageId> | stats | replay | resume  (another terminal, same settings)'),
    row('stop', 'Ctrl-C: the API stops accepting, in-flight deliveries finish, then everything stops'),
    '',
  ].join('\n')}\n`;
}
