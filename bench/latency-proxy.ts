import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';
import type { CountingAzurite } from './azurite.js';

export interface LatencyProxy {
  port: number;
  stop(): Promise<void>;
}

/**
 * A TCP relay on loopback that holds every chunk for half the round trip in each direction, so a request costs at
 * least one round trip, as it does between a CI runner and a storage account. Azurite on loopback answers in well
 * under a millisecond, which hides what concurrency buys against a real network.
 */
export async function startLatencyProxy(upstreamPort: number, roundTripMs: number): Promise<LatencyProxy> {
  const oneWayMs = roundTripMs / 2;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  // Every chunk waits the same time, so timers fire in arrival order and the byte stream stays in order.
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), oneWayMs));
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.end(), oneWayMs));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    track(client);
    track(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the latency proxy has no port');
  return {
    port: address.port,
    stop() {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same Azurite, reached through a latency proxy: its URLs point at the proxy, stopping stops both. */
export async function behindLatency(azurite: CountingAzurite, roundTripMs: number): Promise<CountingAzurite> {
  const port = Number(new URL(azurite.serviceUrl).port);
  const proxy = await startLatencyProxy(port, roundTripMs);
  const via = (text: string) => text.replace(`127.0.0.1:${port}/`, `127.0.0.1:${proxy.port}/`);
  return {
    ...azurite,
    serviceUrl: via(azurite.serviceUrl),
    connectionString: via(azurite.connectionString),
    async stop() {
      await proxy.stop();
      await azurite.stop();
    },
  };
}
