import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP relay on loopback in front of Azurite that counts what clients send: Azurite's access log has response
 * sizes, never request body sizes. Shared Key and SAS signatures do not cover the host, so any client pointed at
 * `serviceUrl` talks to Azurite through it unchanged.
 */
export interface ByteProxy {
  /** Path-style service URL through the relay. */
  serviceUrl: string;
  /** Request body bytes of Put Block and Put Blob requests passed on so far. */
  bytesSent(): number;
  /** Put Block requests the service accepted so far. */
  blocksStaged(): number;
  stop(): Promise<void>;
}

const PUT_BLOCK = /(^|&)comp=block(&|$)/;
const PUT_BLOCK_LIST = /(^|&)comp=blocklist(&|$)/;

export async function startByteProxy(upstreamServiceUrl: string): Promise<ByteProxy> {
  const upstream = new URL(upstreamServiceUrl);
  let bytes = 0;
  let staged = 0;
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://relay').search.slice(1);
    const content = req.method === 'PUT' && !PUT_BLOCK_LIST.test(query);
    const onward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (req.method === 'PUT' && PUT_BLOCK.test(query) && (answer.statusCode ?? 0) < 300) staged++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    onward.on('error', () => res.destroy());
    req.on('error', () => onward.destroy());
    if (content) req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.pipe(onward);
  });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    serviceUrl: `http://127.0.0.1:${port}${upstream.pathname}`,
    bytesSent: () => bytes,
    blocksStaged: () => staged,
    stop() {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
