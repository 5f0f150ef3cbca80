import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Http1Pool, type Http1Request } from '../../src/storage/http1/pool.js';

// The lean Put Blob's connections (src/storage/http1/pool.ts) against a loopback TCP server that reads each request
// and responses with whatever bytes a test scripts: reuse, Connection: close, Keep-Alive timeouts, cut connections,
// time limits, aborts, and headers refused before anything is sent.

interface Received {
  connection: number;
  head: string;
  body: string;
}

type Script = (request: Received, socket: net.Socket) => void;

/** A server that parses requests with Content-Length bodies and hands each to the current script. */
async function startServer() {
  const received: Received[] = [];
  const sockets = new Set<net.Socket>();
  let script: Script = (_request, socket) => socket.write('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  let connections = 0;
  const server = net.createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = pending.toString('latin1', 0, end);
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) return;
        const body = pending.toString('latin1', end + 4, end + 4 + length);
        pending = pending.subarray(end + 4 + length);
        const request = { connection, head, body };
        received.push(request);
        script(request, socket);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    get connections() {
      return connections;
    },
    response(next: Script) {
      script = next;
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const request = (overrides: Partial<Http1Request> = {}): Http1Request => ({
  method: 'PUT',
  path: '/devstoreaccount1/site/a%20b.html?sv=1&sig=x',
  headers: { 'x-ms-blob-type': 'BlockBlob', 'x-ms-meta-note': 'caf\u00e9' },
  body: Buffer.from('hello'),
  timeoutMs: 2000,
  ...overrides,
});

const OK = 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n';

describe('HTTP/1.1 connection pool', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let pool: Http1Pool;
  before(async () => {
    server = await startServer();
  });
  after(() => server.stop());

  const fresh = () => {
    pool?.close();
    pool = new Http1Pool({ secure: false, hostname: '127.0.0.1', port: server.port });
    server.received.length = 0;
    server.response((_request, socket) => socket.write(OK));
    return pool;
  };

  it('sends the request line, Host, Content-Length, the headers in Latin-1 and the body', async () => {
    const response = await fresh().send(request());
    assert.equal(response.status, 201);
    const [sent] = server.received;
    const lines = sent!.head.split('\r\n');
    assert.equal(lines[0], 'PUT /devstoreaccount1/site/a%20b.html?sv=1&sig=x HTTP/1.1');
    assert.ok(lines.includes(`host: 127.0.0.1:${server.port}`), sent!.head);
    assert.ok(lines.includes('content-length: 5'), sent!.head);
    assert.ok(lines.includes('x-ms-meta-note: caf\u00e9'), sent!.head);
    assert.equal(sent!.body, 'hello');
  });

  it('carries requests one after another on one connection, and opens more only for requests in flight', async () => {
    const pool = fresh();
    const before = server.connections;
    for (let i = 0; i < 5; i++) assert.equal((await pool.send(request())).status, 201);
    assert.equal(server.connections - before, 1, 'one connection for five requests in turn');
    const responses = await Promise.all(Array.from({ length: 4 }, () => pool.send(request())));
    assert.deepEqual(
      responses.map((a) => a.status),
      [201, 201, 201, 201],
    );
    assert.equal(server.connections - before, 4, 'four in flight: the idle one and three more');
  });

  it('opens a new connection after Connection: close, and after the Keep-Alive timeout has nearly run out', async () => {
    const pool = fresh();
    server.response((_request, socket) =>
      socket.end('HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    );
    await pool.send(request());
    server.response((_request, socket) =>
      socket.write('HTTP/1.1 201 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n'),
    );
    await pool.send(request());
    await pool.send(request());
    const used = new Set(server.received.map((r) => r.connection));
    assert.equal(used.size, 3, 'a server that keeps an idle connection for 1 s gets a new one each time');
  });

  it('reads an error response, then uses the connection again', async () => {
    const pool = fresh();
    const body = '<?xml version="1.0"?><Error><Code>ServerBusy</Code></Error>';
    server.response((_request, socket) =>
      socket.write(`HTTP/1.1 503 Busy\r\nx-ms-error-code: ServerBusy\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
    );
    const response = await pool.send(request());
    assert.equal(response.status, 503);
    assert.equal(response.headers['x-ms-error-code'], 'ServerBusy');
    assert.equal(response.body.toString(), body);
    server.response((_request, socket) => socket.write(OK));
    await pool.send(request());
    assert.equal(new Set(server.received.map((r) => r.connection)).size, 1);
  });

  it('fails a request whose connection is cut, with a code retries know, and recovers on a new one', async () => {
    const pool = fresh();
    server.response((_request, socket) => {
      socket.write('HTTP/1.1 201 Created\r\nContent-Len');
      socket.destroy();
    });
    await assert.rejects(pool.send(request()), { code: 'ECONNRESET' });
    server.response((_request, socket) => socket.write(OK));
    assert.equal((await pool.send(request())).status, 201);
  });

  it('does not reuse a connection the server closed while it was idle', async () => {
    const pool = fresh();
    server.response((_request, socket) => {
      socket.write(OK);
      setTimeout(() => socket.end(), 20);
    });
    await pool.send(request());
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.response((_request, socket) => socket.write(OK));
    assert.equal((await pool.send(request())).status, 201);
    assert.equal(new Set(server.received.map((r) => r.connection)).size, 2);
  });

  it('gives up on a response slower than the time limit, and closes that connection', async () => {
    const pool = fresh();
    server.response(() => {}); // never responses
    const started = Date.now();
    await assert.rejects(pool.send(request({ timeoutMs: 300 })), (error: unknown) => {
      assert.equal((error as { timedOut?: boolean }).timedOut, true);
      assert.match((error as Error).message, /no response within 0.3 s/);
      return true;
    });
    assert.ok(Date.now() - started >= 290);
    server.response((_request, socket) => socket.write(OK));
    await pool.send(request());
    assert.equal(new Set(server.received.map((r) => r.connection)).size, 2, 'the stalled connection is not reused');
  });

  it('stops at an abort, and sends nothing for a signal aborted already', async () => {
    const pool = fresh();
    server.response(() => {});
    const controller = new AbortController();
    const pending = pool.send(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, { name: 'AbortError' });
    const sent = server.received.length;
    await assert.rejects(pool.send(request({ signal: AbortSignal.abort() })), { name: 'AbortError' });
    assert.equal(server.received.length, sent);
  });

  it('refuses a header or path that would change the request, before sending anything', async () => {
    const pool = fresh();
    assert.throws(() => pool.send(request({ headers: { 'x-ms-meta-a': 'ok\r\nx-ms-meta-b: injected' } })), {
      code: 'ERR_INVALID_CHAR',
      message: 'Invalid character in header content ["x-ms-meta-a"]',
    });
    assert.throws(() => pool.send(request({ headers: { 'x-ms-meta-\u0101': 'v' } })), {
      code: 'ERR_INVALID_HTTP_TOKEN',
    });
    assert.throws(() => pool.send(request({ headers: { 'x-ms-meta-a': 'snow \u2603' } })), {
      code: 'ERR_INVALID_CHAR',
    });
    assert.throws(() => pool.send(request({ path: '/a b' })), { code: 'ERR_UNESCAPED_CHARACTERS' });
    assert.equal(server.received.length, 0);
  });

  it('refuses a response it cannot read, and does not reuse that connection', async () => {
    const pool = fresh();
    server.response((_request, socket) => socket.write('HTTP/1.1 201 OK\r\nContent-Length: x\r\n\r\n'));
    await assert.rejects(pool.send(request()), { code: 'ERR_INVALID_HTTP_RESPONSE' });
    server.response((_request, socket) => socket.write(OK));
    await pool.send(request());
    assert.equal(new Set(server.received.map((r) => r.connection)).size, 2);
  });

  it('takes a complete response that bytes follow, and does not reuse that connection', async () => {
    const pool = fresh();
    server.response((_request, socket) => socket.write(`${OK}HTTP/1.1 200 OK\r\n\r\nstray`));
    assert.equal((await pool.send(request())).status, 201);
    server.response((_request, socket) => {
      socket.write(OK);
      setTimeout(() => socket.write('\r\n'), 20); // late, while the connection sits idle
    });
    assert.equal((await pool.send(request())).status, 201);
    await new Promise((resolve) => setTimeout(resolve, 100));
    server.response((_request, socket) => socket.write(OK));
    assert.equal((await pool.send(request())).status, 201);
    assert.equal(new Set(server.received.map((r) => r.connection)).size, 3, 'a new connection after each');
  });

  it('refuses a response whose lines end in LF alone at once, not at the time limit, and quotes none of it', async () => {
    const pool = fresh();
    server.response((_request, socket) => socket.write('HTTP/1.1 403 sig=SECRET\nContent-Length: 0\n\n'));
    const started = Date.now();
    await assert.rejects(pool.send(request({ timeoutMs: 5000 })), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'ERR_INVALID_HTTP_RESPONSE');
      assert.match((error as Error).message, /LF alone, without CR \(at byte 23\)/);
      assert.ok(!(error as Error).message.includes('SECRET'));
      return true;
    });
    assert.ok(Date.now() - started < 1000, `failed after ${Date.now() - started} ms`);
    server.response((_request, socket) => socket.write(OK));
  });

  it('lets the process exit while connections sit idle', async () => {
    server.response((_request, socket) => socket.write(OK));
    const pool = fileURLToPath(new URL('../../src/storage/http1/pool.ts', import.meta.url));
    const script = [
      `const { Http1Pool } = await import(${JSON.stringify(pool)});`,
      `const pool = new Http1Pool({ secure: false, hostname: '127.0.0.1', port: ${server.port} });`,
      `const body = Buffer.from('x');`,
      `const response = await pool.send({ method: 'PUT', path: '/a', headers: {}, body, timeoutMs: 5000 });`,
      `console.log(response.status);`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.dirname(pool),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    const timer = setTimeout(() => child.kill(), 10_000);
    const [code] = await once(child, 'exit');
    clearTimeout(timer);
    assert.equal(code, 0, 'the child exited by itself, its idle connection open');
    assert.equal(stdout.trim(), '201');
  });
});
