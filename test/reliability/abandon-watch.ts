import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';

/**
 * An HTTP proxy between the workers and the simulator that sees what neither sees alone: requests whose events the
 * simulator accepted after the client had stopped waiting (it timed out and closed the connection). The client cannot
 * know those events landed, so it sends them again: these are the duplicates at-least-once delivery allows, and the
 * only ones it allows. Everything else is forwarded as it is; a connection the simulator resets is reset here too.
 */
export interface AbandonWatch {
  url: string;
  /** Per user_id: events that landed in requests the client had given up on. */
  landedUnseen(): Map<string, number>;
  /** Requests that landed events after the client had given up on them. */
  abandonedRequests(): number;
  /** Resolves once no request is in flight: a slow answer may still be on its way after the retry succeeded. */
  idle(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startAbandonWatch(target: string): Promise<AbandonWatch> {
  const agent = new Agent({ connections: 256 });
  const landedUnseen = new Map<string, number>();
  let abandonedRequests = 0;
  let inFlight = 0;

  const server = http.createServer((req, res) => {
    let abandoned = false;
    res.on('close', () => void (abandoned ||= !res.writableFinished));
    inFlight += 1;
    forward(req, () => abandoned)
      .then(async (answer) => {
        // A close the client sent while this process was busy waits in the poll phase: let it be seen first.
        await new Promise((resolve) => setImmediate(resolve));
        if (!abandoned) return void res.writeHead(answer.status, answer.headers).end(answer.text);
        if (answer.status !== 200 || !req.url?.startsWith('/api/external/hit/')) return;
        abandonedRequests += 1;
        for (const userId of userIdsOf(answer.sent)) landedUnseen.set(userId, (landedUnseen.get(userId) ?? 0) + 1);
      })
      // The client went away while sending, or the simulator reset the connection: so does the proxy.
      .catch(() => req.socket.destroy())
      .finally(() => (inFlight -= 1));
  });

  async function forward(req: http.IncomingMessage, abandoned: () => boolean) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const sent = Buffer.concat(chunks);
    if (abandoned()) throw new Error('the client went away before its request was complete');
    const upstream = await request(`${target}${req.url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: sent, dispatcher: agent });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const retryAfter = upstream.headers['retry-after'];
    if (typeof retryAfter === 'string') headers['retry-after'] = retryAfter;
    return { status: upstream.statusCode, headers, text: await upstream.body.text(), sent };
  }
  // Keep-alive beyond the clients' own, so the proxy never closes a connection they mean to reuse.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    landedUnseen: () => new Map(landedUnseen),
    abandonedRequests: () => abandonedRequests,
    async idle(timeoutMs) {
      for (const deadline = Date.now() + timeoutMs; inFlight > 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 100));
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await agent.close();
    },
  };
}

/** `hit/event` carries one event's fields, `hit/events` an `events` array of them. */
function userIdsOf(body: Buffer): string[] {
  const parsed = JSON.parse(body.toString('utf8')) as { user_id: string } | { events: Array<{ user_id: string }> };
  return 'events' in parsed ? parsed.events.map((e) => e.user_id) : [parsed.user_id];
}
