import { once } from 'node:events';
import { createServer, type IncomingMessage, request as httpRequest, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to a request a rule picks. */
export type Fault =
  /** Answer with this status and a storage-style error body, without forwarding. */
  /** With `quoteRequest`, the message quotes the request line with its query, as gateway error pages do. */
  | { kind: 'status'; status: number; code?: string; retryAfterSeconds?: number; quoteRequest?: boolean }
  /** Read part of the request body, then drop the connection. Nothing reaches the service. */
  | { kind: 'reset-request' }
  /** Forward (so the service applies the request), then drop the connection before the response is complete. */
  | { kind: 'reset-response' }
  /** Wait, then forward; with `afterUpstream`, forward first (the service applies it) and delay only the answer. */
  | { kind: 'delay'; ms: number; afterUpstream?: boolean }
  /** Forward, send the status, headers and half the body (or this share of it), then drop the connection. */
  | { kind: 'cut-body'; share?: number }
  /** Forward, send the status, headers and half the body, wait, then send the rest. */
  | { kind: 'stall-body'; ms: number };

export interface FaultRule {
  method?: string;
  /** Matches the decoded blob name (the path after the container). */
  blob?: RegExp;
  /** Matches the raw query string, e.g. /comp=block(&|$)/ for Put Block. */
  query?: RegExp;
  /** Matches the byte range a read asks for (`x-ms-range` or `Range`), e.g. /^bytes=(0|8388608)-/. */
  range?: RegExp;
  /** Picks a matching request with this probability (seeded, so runs repeat). Default 1. */
  probability?: number;
  /** Applies to this many picked requests, then heals. Default: forever. */
  times?: number;
  /** Picks a request only while more than this many are in flight, itself included (a service that takes so many). */
  inFlightAbove?: number;
  fault: Fault;
}

export interface RecordedRequest {
  method: string;
  container: string;
  blob: string;
  query: string;
  /** The byte range a read asked for, if any. */
  range?: string;
  /** When it arrived (ms since the epoch). */
  at: number;
  /** The status the client got, or 'reset' when the connection was dropped. */
  outcome?: number | 'reset';
  /** Request body bytes passed on to the service (what a client sent, counted here since the emulator's log has no request sizes). */
  bytesIn: number;
  fault?: Fault['kind'];
}

export interface FaultProxy {
  /** Path-style service URL through the proxy, e.g. http://127.0.0.1:PORT/devstoreaccount1. */
  serviceUrl: string;
  requests: RecordedRequest[];
  /** Replaces the rules; requests already in flight keep theirs. */
  setRules(rules: FaultRule[]): void;
  /** Resolves when a recorded request satisfies the predicate (checked on every request and outcome). */
  waitFor(predicate: (requests: readonly RecordedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Put Block, Put Block List, and Put Blob (a PUT on a blob with no `comp`), told apart by their query (a GET with
 * `comp=blocklist` is Get Block List). */
export const STAGE_BLOCK = /(^|&)comp=block(&|$)/;
export const COMMIT_BLOCKS = /(^|&)comp=blocklist(&|$)/;

/** xorshift32: a tiny seeded generator, so a "random 20% of requests" is the same 20% on every run. */
function seededRandom(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/**
 * A reverse proxy on loopback in front of Azurite that injects faults by rule. Shared Key and SAS signatures do not
 * cover the host, so a client pointed at `serviceUrl` talks to Azurite through it unchanged.
 */
export async function startFaultProxy(upstreamServiceUrl: string, seed = 42): Promise<FaultProxy> {
  const upstream = new URL(upstreamServiceUrl);
  const random = seededRandom(seed);
  const requests: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());
  let rules: { rule: FaultRule; left: number }[] = [];
  let inFlight = 0;

  const pick = (record: RecordedRequest): Fault | undefined => {
    for (const entry of rules) {
      const { rule } = entry;
      if (entry.left <= 0) continue;
      if (rule.inFlightAbove !== undefined && inFlight <= rule.inFlightAbove) continue;
      if (rule.method && rule.method !== record.method) continue;
      if (rule.blob && !rule.blob.test(record.blob)) continue;
      if (rule.query && !rule.query.test(record.query)) continue;
      if (rule.range && !rule.range.test(record.range ?? '')) continue;
      if (rule.probability !== undefined && random() >= rule.probability) continue;
      entry.left--;
      return rule.fault;
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, , container = '', ...blob] = url.pathname.split('/');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      container: decodeURIComponent(container),
      blob: decodeURIComponent(blob.join('/')),
      query: url.search.replace(/^\?/, ''),
      range: header(req.headers['x-ms-range']) ?? header(req.headers.range),
      at: Date.now(),
      bytesIn: 0,
    };
    requests.push(record);
    inFlight++;
    const fault = pick(record);
    record.fault = fault?.kind;
    notify();
    const settle = (outcome: RecordedRequest['outcome']) => {
      if (record.outcome === undefined) inFlight--;
      record.outcome = outcome;
      notify();
    };
    // A client that gives up on its request mid-body (an aborted upload) ends its handling here.
    handle(req, res, fault, settle, (bytes) => (record.bytesIn += bytes)).catch(() => settle('reset'));
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    fault: Fault | undefined,
    settle: (outcome: RecordedRequest['outcome']) => void,
    count: (bytes: number) => void,
  ): Promise<void> {
    if (fault?.kind === 'status') {
      req.resume();
      await once(req, 'end');
      const code = fault.code ?? (fault.status === 429 ? 'ServerBusy' : 'InternalError');
      const message = fault.quoteRequest
        ? `Injected fault for ${req.method} http://${req.headers.host}${req.url}`
        : 'Injected fault';
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error>`;
      res.writeHead(fault.status, {
        'content-type': 'application/xml',
        'x-ms-error-code': code,
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(body);
      settle(fault.status);
      return;
    }
    if (fault?.kind === 'reset-request') {
      // Let some of the body arrive so the client is mid-upload, then cut it off.
      await Promise.race([once(req, 'data'), once(req, 'end')]);
      req.socket.destroy();
      settle('reset');
      return;
    }
    if (fault?.kind === 'delay' && !fault.afterUpstream) await sleep(fault.ms);
    // A client killed while its request was held is gone: nothing to pass on.
    if (req.socket.destroyed) return settle('reset');
    forward(req, res, fault, settle, count);
  }

  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    fault: Fault | undefined,
    settle: (outcome: RecordedRequest['outcome']) => void,
    count: (bytes: number) => void,
  ): void {
    const onward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const chunk of answer) chunks.push(chunk as Buffer);
          const body = Buffer.concat(chunks);
          if (fault?.kind === 'reset-response') {
            res.socket?.destroy();
            settle('reset');
            return;
          }
          if (fault?.kind === 'delay' && fault.afterUpstream) await sleep(fault.ms);
          if (res.socket?.destroyed) return settle('reset');
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          if (fault?.kind === 'cut-body' || fault?.kind === 'stall-body') {
            const half = Math.floor(body.length * (fault.kind === 'cut-body' ? (fault.share ?? 0.5) : 0.5));
            await new Promise((resolve) => res.write(body.subarray(0, half), resolve));
            if (fault.kind === 'cut-body') {
              res.socket?.destroy();
              return settle('reset');
            }
            await sleep(fault.ms);
            if (res.socket?.destroyed) return settle('reset');
            res.end(body.subarray(half));
          } else {
            res.end(body);
          }
          settle(answer.statusCode);
        })().catch(() => settle('reset'));
      },
    );
    onward.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
      settle(502);
    });
    // Attached with the pipe, in the same turn, so the counter sees every byte the pipe does.
    req.on('data', (chunk: Buffer) => count(chunk.length));
    req.pipe(onward);
  }

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
    requests,
    setRules(next) {
      rules = next.map((rule) => ({ rule, left: rule.times ?? Number.POSITIVE_INFINITY }));
    },
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waitFor: condition not met within ${timeoutMs} ms (${requests.length} requests seen)`));
        }, timeoutMs);
        const check = () => {
          if (!predicate(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    stop() {
      stopping.splice(0).forEach((end) => end());
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A delay that ends early when the proxy stops, so a long injected stall never keeps the test process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    stopping.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
const stopping: (() => void)[] = [];

/** A connection string that reaches the account through the proxy. */
export function connectionStringVia(proxy: FaultProxy, account: { accountName: string; accountKey: string }): string {
  return `AccountName=${account.accountName};AccountKey=${account.accountKey};BlobEndpoint=${proxy.serviceUrl}`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
