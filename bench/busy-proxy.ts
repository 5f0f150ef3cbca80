import { once } from 'node:events';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { CountingAzurite } from './azurite.js';

export interface BusyProxy {
  port: number;
  /** Requests that reached the proxy so far. */
  requests(): number;
  /** Requests answered 503 ServerBusy so far. */
  busy(): number;
  stop(): Promise<void>;
}

const BUSY_BODY =
  '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>';

/**
 * A reverse proxy on loopback that answers 503 ServerBusy to any request arriving while `limit` others are in flight,
 * as a storage account (or a partition of it) does past its rate: what AzCopy users meet as ServerBusy storms.
 */
export async function startBusyProxy(upstreamPort: number, limit: number): Promise<BusyProxy> {
  let inFlight = 0;
  let requests = 0;
  let busy = 0;
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const server = createServer((req, res) => {
    requests++;
    inFlight++;
    res.once('close', () => inFlight--);
    if (inFlight > limit) {
      busy++;
      req.resume();
      req.once('end', () => {
        res.writeHead(503, { 'content-type': 'application/xml', 'x-ms-error-code': 'ServerBusy' });
        res.end(BUSY_BODY);
      });
      return;
    }
    const onward = request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.once('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(onward);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => requests,
    busy: () => busy,
    stop() {
      sockets.forEach((socket) => socket.destroy());
      agent.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The same Azurite, reached through a busy proxy: its URLs point at the proxy, stopping stops both. */
export async function behindBusyProxy(
  azurite: CountingAzurite,
  limit: number,
): Promise<CountingAzurite & { proxy: BusyProxy }> {
  const port = Number(new URL(azurite.serviceUrl).port);
  const proxy = await startBusyProxy(port, limit);
  const via = (text: string) => text.replace(`127.0.0.1:${port}/`, `127.0.0.1:${proxy.port}/`);
  return {
    ...azurite,
    proxy,
    serviceUrl: via(azurite.serviceUrl),
    connectionString: via(azurite.connectionString),
    async stop() {
      await proxy.stop();
      await azurite.stop();
    },
  };
}
