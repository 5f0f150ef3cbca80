import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';

export interface ProxiedRequest {
  /** `GET http://host/path` for plain HTTP, `CONNECT host:port` for a TLS tunnel. */
  line: string;
  /** The decoded `Proxy-Authorization: Basic` credentials, if any. */
  credentials?: string;
}

export interface FakeProxy {
  url: string;
  requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/** A forward proxy on loopback: relays plain HTTP requests and tunnels CONNECT, recording each with its credentials. */
export async function startFakeProxy(): Promise<FakeProxy> {
  const requests: ProxiedRequest[] = [];
  const credentials = (header: string | undefined) =>
    header?.startsWith('Basic ') ? Buffer.from(header.slice(6), 'base64').toString('utf8') : undefined;
  const server = createServer((req, res) => {
    requests.push({ line: `${req.method} ${req.url}`, credentials: credentials(req.headers['proxy-authorization']) });
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = httpRequest(req.url ?? '', { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, socket, head) => {
    requests.push({ line: `CONNECT ${req.url}`, credentials: credentials(req.headers['proxy-authorization']) });
    const [host, port] = (req.url ?? '').split(':');
    const target = connect(Number(port), host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      target.write(head);
      target.pipe(socket);
      socket.pipe(target);
    });
    target.on('error', () => socket.destroy());
    socket.on('error', () => target.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
