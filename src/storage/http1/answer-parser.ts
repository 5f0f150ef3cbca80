/** One answer to one request: the status, its headers (names in lower case) and its whole body. */
export interface Http1Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The connection may carry another request: HTTP/1.1 without `Connection: close`, a framed body. */
  keepAlive: boolean;
  /** Seconds the server keeps an idle connection open, when its `Keep-Alive` header says. */
  keepAliveTimeoutS?: number;
}

/** An answer that is not HTTP/1.x as RFC 9112 frames it; the connection cannot be trusted with another request. */
export class InvalidAnswerError extends Error {
  readonly code = 'ERR_INVALID_HTTP_RESPONSE';
  constructor(what: string) {
    super(`the server's answer is not valid HTTP/1.1: ${what}`);
  }
}

/** A head larger than this is refused (Node's own limit is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** The lean client sends Put Blob: its answers are empty or a short error document. */
const MAX_BODY_BYTES = 1024 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const LINE_END = Buffer.from('\r\n');
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: |$)/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked' } | { kind: 'until-close' };

/**
 * Reads the answers of one connection from its bytes as they arrive: the head, interim 1xx answers (skipped), then a
 * body framed by Content-Length, by chunked transfer coding (trailers read and dropped) or by the connection's close.
 */
export class AnswerParser {
  private pending: Buffer = Buffer.alloc(0);
  private head?: { status: number; headers: Record<string, string>; http10: boolean };
  private framing?: Framing;
  /** In a chunked body: bytes of the current chunk still to come, or a chunk's size line (-1) or the trailers (-2). */
  private chunkLeft = -1;
  private readonly parts: Buffer[] = [];
  private bodyBytes = 0;

  /** Feeds bytes; returns the answer once it is complete. Bytes past its end mean a server we cannot follow. */
  push(chunk: Buffer): Http1Answer | undefined {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (!this.head) {
      if (!this.readHead()) return undefined;
    }
    const done = this.readBody();
    if (done && this.pending.length > 0) throw new InvalidAnswerError('bytes follow the end of the answer');
    return done ? this.answer(this.framing!.kind !== 'until-close') : undefined;
  }

  /** The connection ended: a body read to the close is complete; anything else was cut short. */
  end(): Http1Answer | undefined {
    return this.head && this.framing?.kind === 'until-close' ? this.answer(false) : undefined;
  }

  /** Whether any byte of an answer has arrived (a reused connection that closes before one may simply be stale). */
  get started(): boolean {
    return this.head !== undefined || this.pending.length > 0;
  }

  private readHead(): boolean {
    const end = this.pending.indexOf(HEAD_END);
    if (end < 0) {
      if (this.pending.length > MAX_HEAD_BYTES) throw new InvalidAnswerError('its head is too large');
      return false;
    }
    const lines = this.pending.toString('latin1', 0, end).split('\r\n');
    this.pending = this.pending.subarray(end + HEAD_END.length);
    const status = STATUS_LINE.exec(lines[0]!);
    if (!status) throw new InvalidAnswerError(`it starts "${lines[0]!.slice(0, 40)}"`);
    const headers: Record<string, string> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).toLowerCase();
      // A line folded onto the one before (obsolete) or without a name would be read differently by others.
      if (colon <= 0 || !TOKEN.test(name)) throw new InvalidAnswerError(`a header line reads "${line.slice(0, 40)}"`);
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const code = Number(status[2]);
    if (code === 101) throw new InvalidAnswerError('it switches protocols, which was not asked for');
    if (code >= 100 && code < 200) return true; // interim: the final answer follows
    this.head = { status: code, headers, http10: status[1] === '0' };
    this.framing = framingOf(code, headers);
    return true;
  }

  /** Reads what it can of the body; true once the body is complete. */
  private readBody(): boolean {
    const framing = this.framing!;
    if (framing.kind === 'until-close') {
      this.take(this.pending.length);
      return false;
    }
    if (framing.kind === 'length') {
      const count = Math.min(framing.remaining, this.pending.length);
      this.take(count);
      framing.remaining -= count;
      return framing.remaining === 0;
    }
    return this.readChunks();
  }

  private readChunks(): boolean {
    for (;;) {
      if (this.chunkLeft > 0) {
        const count = Math.min(this.chunkLeft, this.pending.length);
        this.take(count);
        this.chunkLeft -= count;
        if (this.chunkLeft > 0) return false;
        this.chunkLeft = -3; // the CRLF after the data
      }
      const lineEnd = this.pending.indexOf(LINE_END);
      if (lineEnd < 0) {
        if (this.pending.length > MAX_HEAD_BYTES) throw new InvalidAnswerError('a chunk line is too long');
        return false;
      }
      const line = this.pending.toString('latin1', 0, lineEnd);
      this.pending = this.pending.subarray(lineEnd + LINE_END.length);
      if (this.chunkLeft === -3) {
        if (line !== '') throw new InvalidAnswerError('a chunk is longer than its size says');
        this.chunkLeft = -1;
      } else if (this.chunkLeft === -2) {
        if (line === '') return true; // the empty line after the trailers
      } else {
        const size = /^([0-9A-Fa-f]{1,8})[ \t]*(?:;.*)?$/.exec(line);
        if (!size) throw new InvalidAnswerError(`a chunk size reads "${line.slice(0, 20)}"`);
        this.chunkLeft = parseInt(size[1]!, 16) || -2;
      }
    }
  }

  private take(count: number): void {
    if (count === 0) return;
    this.bodyBytes += count;
    if (this.bodyBytes > MAX_BODY_BYTES) throw new InvalidAnswerError('its body is larger than a Put Blob answer');
    this.parts.push(this.pending.subarray(0, count));
    this.pending = this.pending.subarray(count);
  }

  private answer(framed: boolean): Http1Answer {
    const { status, headers, http10 } = this.head!;
    const connection = (headers.connection ?? '').toLowerCase();
    const keepAlive = framed && (http10 ? /\bkeep-alive\b/.test(connection) : !/\bclose\b/.test(connection));
    const timeout = /\btimeout=(\d+)/i.exec(headers['keep-alive'] ?? '');
    const body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    return { status, headers, body, keepAlive, keepAliveTimeoutS: timeout ? Number(timeout[1]) : undefined };
  }
}

function framingOf(status: number, headers: Record<string, string>): Framing {
  if (status === 204 || status === 304) return { kind: 'length', remaining: 0 };
  const coding = headers['transfer-encoding'];
  if (coding !== undefined) {
    // Chunked must be the last coding; any other framing of a coded body ends with the connection.
    return /(?:^|,)\s*chunked\s*$/i.test(coding) ? { kind: 'chunked' } : { kind: 'until-close' };
  }
  const length = headers['content-length'];
  if (length === undefined) return { kind: 'until-close' };
  const values = new Set(length.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || !/^\d{1,15}$/.test(only!)) throw new InvalidAnswerError(`Content-Length is "${length}"`);
  return { kind: 'length', remaining: Number(only) };
}
