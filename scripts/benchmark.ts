/**
 * Throughput of the whole path on this machine: ingest API -> Temporal dev server -> worker -> simulator.
 * `npm run benchmark [-- events]` prints how long accepting and delivering took. Not a test: numbers vary with the
 * machine; the dev server (one SQLite connection) is the bottleneck, a Temporal cluster scales further.
 */
import { withTestEnvironment } from '../test/environment';
import { MARKETING_GRANTED, startTestStack } from '../test/harness';

const EVENTS = Number(process.argv[2] ?? 500);
const BATCH = 100;

async function main() {
  await withTestEnvironment(async (environment) => {
    Object.assign(process.env, environment);
    const stack = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
    try {
      const started = Date.now();
      const workflowIds: string[] = [];
      for (let sent = 0; sent < EVENTS; sent += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, EVENTS - sent) }, (_, i) => ({
          type: 'track',
          userId: `bench-${sent + i}`,
          event: 'Order Completed',
          properties: { revenue: 10 },
          context: MARKETING_GRANTED,
        }));
        const res = await stack.post('/v1/batch', { batch });
        if (res.status !== 200) throw new Error(`batch answered ${res.status}`);
        workflowIds.push(...res.body.deliveries.map((d: { workflowId: string }) => d.workflowId));
      }
      const accepted = Date.now();
      let done = 0;
      await Promise.all(
        workflowIds.map(async (id) => {
          await stack.service.deliveries.result(id);
          if (++done % BATCH === 0) process.stderr.write(`delivered ${done}/${EVENTS}\n`);
        }),
      );
      const delivered = Date.now();
      const seconds = (ms: number) => (ms / 1000).toFixed(1);
      console.log(
        JSON.stringify({
          events: EVENTS,
          acceptedInSeconds: seconds(accepted - started),
          acceptedPerSecond: Math.round(EVENTS / ((accepted - started) / 1000)),
          deliveredInSeconds: seconds(delivered - started),
          deliveredPerSecond: Math.round(EVENTS / ((delivered - started) / 1000)),
          hitsAtSimulator: stack.simulator.hits().length,
        }),
      );
    } finally {
      await stack.close();
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
