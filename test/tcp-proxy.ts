import net from 'node:net';

/**
 * A TCP proxy for cutting a connection at a chosen point: after `cutAfter(bytes)`, once that many more bytes have
 * gone from clients to the target, every connection is destroyed mid-stream and new ones are refused until `heal()`.
 * `bytesPerSecond` slows what clients send, so that requests sent together arrive one after another.
 */
export async function startTcpProxy(target: { host: string; port: number }, options: { bytesPerSecond?: number } = {}) {
  const sockets = new Set<net.Socket>();
  let budget = Infinity;
  let broken = false;
  const pace = options.bytesPerSecond;
  const breakAll = () => {
    broken = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const server = net.createServer((client) => {
    if (broken) return client.destroy();
    const upstream = net.connect(target);
    sockets.add(client).add(upstream);
    let sending = Promise.resolve();
    const forward = (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget < 0) return breakAll();
      upstream.write(chunk);
    };
    client.on('data', (data: Buffer) => {
      if (!pace) return forward(data);
      // In slices of a tenth of a second's worth, one after another.
      const slice = Math.max(1, Math.floor(pace / 10));
      for (let offset = 0; offset < data.length; offset += slice) {
        const chunk = data.subarray(offset, offset + slice);
        sending = sending.then(() => new Promise((resolve) => setTimeout(resolve, 100))).then(() => (broken ? undefined : forward(chunk)));
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => b.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cutAfter(bytes: number) {
      budget = bytes;
    },
    heal() {
      budget = Infinity;
      broken = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        breakAll();
        server.close(() => resolve());
      }),
  };
}
