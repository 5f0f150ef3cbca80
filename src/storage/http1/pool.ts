import net from 'node:net';
import tls from 'node:tls';
import { abortError } from '../retry.js';
import { ResponseParser, type Http1Response } from './response-parser.js';

/*
 * Keep-alive HTTP/1.1 connections for the lean requests (lean-client.ts): a request with its whole body in a Buffer,
 * the response read into memory. It replaces Node's http client (and undici) for them: those build a ClientRequest
 * and an IncomingMessage (two streams, a dozen listeners) per request, which for a sync of many small files was a
 * large share of our CPU (docs/performance.md). What it keeps of Node's client: TLS with the platform's trust
 * (NODE_EXTRA_CA_CERTS included) and session resumption, header names and values checked as Node checks them,
 * responses framed and refused as llhttp frames and refuses them (response-parser.ts), interim 1xx responses skipped,
 * `Connection: close` and the `Keep-Alive` timeout honoured, and idle connections that do not hold the process open.
 * What would let it go: a Node or undici request whose per-request cost comes near this one's.
 */

export interface Http1Endpoint {
  secure: boolean;
  hostname: string;
  port: number;
}

export interface Http1Request {
  method: string;
  /** The path and query, already escaped. */
  path: string;
  /** Header names in lower case; Host is added, and Content-Length when it is missing. */
  headers: Record<string, string>;
  body: Buffer;
  /** The largest response body taken (a Put Blob's short answer by default; a ranged read's range). */
  maxBodyBytes?: number;
  /** The whole response must arrive within this, or the request fails with `timedOut` and its connection is closed. */
  timeoutMs: number;
  signal?: AbortSignal;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node's http refuses in a header value (ERR_INVALID_CHAR): control characters and anything past Latin-1. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** A request target must be escaped already: no spaces, controls or non-ASCII. */
const INVALID_PATH = /[^\x21-\x7e]/;
/** An idle connection is given up this long before the server's Keep-Alive timeout, as Node's agent does. */
const IDLE_MARGIN_MS = 1000;

export class Http1Pool {
  private readonly idle: Connection[] = [];
  private readonly hostHeader: string;
  private session?: Buffer;

  constructor(private readonly endpoint: Http1Endpoint) {
    const host = endpoint.hostname.includes(':') ? `[${endpoint.hostname}]` : endpoint.hostname;
    this.hostHeader = endpoint.port === (endpoint.secure ? 443 : 80) ? host : `${host}:${endpoint.port}`;
  }

  /** Sends one request on an idle connection, or a new one; a bad header or path is refused before anything is sent. */
  send(request: Http1Request): Promise<Http1Response> {
    const head = requestHead(request, this.hostHeader);
    if (request.signal?.aborted) return Promise.reject(abortError());
    return this.take().exchange(head, request);
  }

  /** Closes the idle connections (those in use close when their response is in). */
  close(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  private take(): Connection {
    const now = Date.now();
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.reusable(now)) return connection;
      connection.destroy();
    }
    return new Connection(this.connect(), (connection) => this.idle.push(connection));
  }

  private connect(): net.Socket {
    const { secure, hostname, port } = this.endpoint;
    if (!secure) return net.connect({ host: hostname, port, noDelay: true });
    const socket = tls.connect({
      host: hostname,
      port,
      // An IP address is not a server name (RFC 6066): it is checked against the certificate, not sent.
      servername: net.isIP(hostname) ? undefined : hostname,
      session: this.session,
      ALPNProtocols: ['http/1.1'],
    });
    socket.setNoDelay(true);
    socket.on('session', (session: Buffer) => (this.session = session));
    return socket;
  }
}

/** One connection, carrying one request at a time. */
class Connection {
  private parser = new ResponseParser();
  private current?: {
    resolve(response: Http1Response): void;
    reject(error: unknown): void;
    timer: NodeJS.Timeout;
    signal?: AbortSignal;
  };
  private closed = false;
  private idleUntil = Infinity;

  constructor(
    private readonly socket: net.Socket,
    private readonly release: (connection: Connection) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(closedEarly()));
  }

  reusable(now: number): boolean {
    return !this.closed && now < this.idleUntil;
  }

  exchange(head: string, request: Http1Request): Promise<Http1Response> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const seconds = request.timeoutMs / 1000;
        this.fail(Object.assign(new Error(`no response within ${seconds} s`), { timedOut: true }));
      }, request.timeoutMs);
      this.current = { resolve, reject, timer, signal: request.signal };
      if (request.maxBodyBytes !== undefined) this.parser = new ResponseParser(request.maxBodyBytes);
      request.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.socket.ref();
      this.socket.cork();
      this.socket.write(head, 'latin1');
      if (request.body.length > 0) this.socket.write(request.body);
      this.socket.uncork();
    });
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private readonly onAbort = () => this.fail(abortError());

  private onData(chunk: Buffer): void {
    if (!this.current) {
      // Nothing was asked: a server that talks out of turn cannot be followed.
      this.destroy();
      return;
    }
    let response: Http1Response | undefined;
    try {
      response = this.parser.push(chunk);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (response) this.complete(response);
  }

  private onEnd(): void {
    const response = this.current && this.parser.end();
    if (response) this.complete(response);
    else this.fail(closedEarly());
  }

  private complete(response: Http1Response): void {
    const current = this.finish()!;
    this.parser = new ResponseParser();
    if (response.keepAlive && !this.closed) {
      const timeoutS = response.keepAliveTimeoutS;
      this.idleUntil = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000 - IDLE_MARGIN_MS;
      // An idle connection must not keep the process alive once the run is done.
      this.socket.unref();
      this.release(this);
    } else {
      this.destroy();
    }
    current.resolve(response);
  }

  /** The request in flight fails (if any) and the connection is closed: its state is unknown. */
  private fail(error: unknown): void {
    const current = this.finish();
    this.destroy();
    current?.reject(error);
  }

  private finish() {
    const current = this.current;
    if (current) {
      clearTimeout(current.timer);
      current.signal?.removeEventListener('abort', this.onAbort);
      this.current = undefined;
    }
    return current;
  }
}

/** Node's http calls this a socket hang up; the code is what retries look for. */
function closedEarly(): Error {
  return Object.assign(new Error('the connection closed before the response was complete'), { code: 'ECONNRESET' });
}

/** The request line and headers, checked as Node's http checks them (ERR_INVALID_CHAR, ERR_UNESCAPED_CHARACTERS). */
function requestHead(request: Http1Request, hostHeader: string): string {
  if (INVALID_PATH.test(request.path)) {
    throw Object.assign(new TypeError('Request path contains unescaped characters'), {
      code: 'ERR_UNESCAPED_CHARACTERS',
    });
  }
  let head = `${request.method} ${request.path} HTTP/1.1\r\n`;
  if (request.headers.host === undefined) head += `host: ${hostHeader}\r\n`;
  if (request.headers['content-length'] === undefined) head += `content-length: ${request.body.length}\r\n`;
  for (const name in request.headers) {
    const value = request.headers[name]!;
    if (!TOKEN.test(name)) {
      throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), {
        code: 'ERR_INVALID_HTTP_TOKEN',
      });
    }
    if (INVALID_VALUE.test(value)) {
      throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), {
        code: 'ERR_INVALID_CHAR',
      });
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}
