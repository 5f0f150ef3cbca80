import http from 'node:http';

/*
 * The lean Put Blob's reading of HTTP/1.1 responses, in place of Node's own (llhttp behind http.request and
 * IncomingMessage, whose per-request objects pool.ts exists to avoid). It refuses every response llhttp refuses as
 * Node runs it (no lenient flags), in Node 20 (llhttp 9.3) and Node 24 (9.4) alike, and a little more that RFC 9112
 * lets a client refuse: versions other than 1.0 and 1.1, a status below 100, controls in the reason phrase,
 * Transfer-Encoding in an HTTP/1.0 response (§6.1), a 101 nobody asked for, a body over 1 MiB, an empty line before a
 * status line. Where the two llhttp differ on keeping a connection, it keeps it only if both would.
 * Lines, names, values and chunk lines are checked byte by byte as they arrive, so a bad byte fails at once instead
 * of waiting for a line end that may never come, and the verdict does not depend on how TCP split the bytes. A head
 * counts against Node's --max-http-header-size as Node counts it (reason phrase, names and values), on every read.
 * Errors name what was wrong and at which byte, never the bytes themselves: a server may echo the request, SAS
 * included.
 * It can go when Node's client costs about what pool.ts costs per request. test/unit/http1-response-fuzz.test.ts holds
 * it against llhttp itself.
 */

/** One response to one request: the status, its headers (names in lower case) and its whole body. */
export interface Http1Response {
  status: number;
  /** Repeated headers joined with ", "; an object without a prototype, so any name is just a name. */
  headers: Record<string, string>;
  body: Buffer;
  /** The connection may carry another request: a framed body, nothing after it, and no `Connection: close`. */
  keepAlive: boolean;
  /** Seconds the server keeps an idle connection open, when its `Keep-Alive` header says. */
  keepAliveTimeoutS?: number;
}

/** A response that is not HTTP/1.x as RFC 9112 frames it; the connection cannot be trusted with another request. */
export class InvalidResponseError extends Error {
  readonly code = 'ERR_INVALID_HTTP_RESPONSE';
  constructor(what: string) {
    super(`the server's response is not valid HTTP/1.1: ${what}`);
  }
}

/** Node's --max-http-header-size (16 KiB unless raised), so a head Node's client takes is taken here too. */
const MAX_HEAD_BYTES = http.maxHeaderSize;
/** The lean client sends Put Blob: its responses are empty or a short error document. */
const MAX_BODY_BYTES = 1024 * 1024;
/** Bodies of known length above this are filled into one buffer as they arrive. */
const WHOLE_BODY_FROM = 64 * 1024;

const HTAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const QUOTE = 0x22;
const COLON = 0x3a;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const BACKSLASH = 0x5c;

const byteClass = (admits: (byte: number) => boolean) =>
  Uint8Array.from({ length: 256 }, (_, byte) => (admits(byte) ? 1 : 0));
/** tchar (RFC 9110 §5.6.2): header names, chunk extension names and token values. */
const TOKEN = byteClass((b) => b > 0x20 && b < 0x7f && !'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(b)));
/** What a header value, a reason phrase or a quoted string may hold, as llhttp admits it: no control but HTAB, no DEL. */
const TEXT = byteClass((b) => b === HTAB || (b >= 0x20 && b !== 0x7f));
const HEX_VALUE = Int8Array.from({ length: 256 }, (_, b) =>
  b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x41 && b <= 0x46 ? b - 0x37 : b >= 0x61 && b <= 0x66 ? b - 0x57 : -1,
);
const isSpace = (b: number | undefined) => b === SP || b === HTAB;

/** "HTTP/1.1 201 " before the reason phrase, which Node counts against its limit. */
const REASON_START = 13;

// The chunk-size line (RFC 9112 §7.1.1), as llhttp admits it: a size, then `;name`, `;name=token`, `;name="quoted"`.
const SIZE = 0;
const EXT_NAME_START = 1;
const EXT_NAME = 2;
const EXT_VALUE_START = 3;
const EXT_TOKEN = 4;
const EXT_QUOTE_OPEN = 5;
const EXT_QUOTED = 6;
const EXT_ESCAPED = 7;
const EXT_QUOTE_CLOSED = 8;
/** Where a chunk-size line may end. */
const CHUNK_LINE_END = new Set([SIZE, EXT_NAME, EXT_VALUE_START, EXT_TOKEN, EXT_QUOTE_CLOSED]);

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'to-close' | 'done';

interface Head {
  /** 0 until the status line is in. */
  status: number;
  http10: boolean;
  headers: Record<string, string>;
  contentLength?: number;
  transferEncoding: boolean;
  /** Chunked is the last coding of the last Transfer-Encoding (RFC 9112 §6.3). */
  chunked: boolean;
  /** `close` and `keep-alive` among the Connection (or Proxy-Connection) options. */
  close: boolean;
  keepAlive: boolean;
}

const newHead = (): Head => ({
  status: 0,
  http10: false,
  headers: Object.create(null),
  transferEncoding: false,
  chunked: false,
  close: false,
  keepAlive: false,
});

/**
 * The items of a comma-separated value as llhttp matches Connection and Transfer-Encoding: in lower case, spaces and
 * tabs before an item and spaces after it let go. A tab after an item ends it for llhttp 9.4 (Node 24) but not for 9.3
 * (Node 20), where `close<TAB>` is no `close`; `tabbed` keeps such items as they are, to be read both ways.
 */
const listItems = (raw: string, tabbed: boolean) =>
  raw
    .toLowerCase()
    .split(',')
    .map((item) => item.replace(tabbed ? /^[ \t]+|[ ]+$/g : /^[ \t]+|[ \t]+$/g, ''));

/** Whether the head lets the connection carry another message (llhttp_should_keep_alive). */
const keepsConnection = (head: Head) => (head.http10 ? head.keepAlive : !head.close);

/**
 * Reads the response of one request from its connection's bytes as they arrive: interim 1xx responses (skipped), the
 * head, then a body framed by Content-Length, by chunked coding (trailers checked and dropped) or by the close.
 */
export class ResponseParser {
  /** The largest body taken: a Put Blob's response by default; a ranged read says how large its range is. */
  constructor(private readonly maxBodyBytes = MAX_BODY_BYTES) {}

  private buffer: Buffer = Buffer.alloc(0);
  /** Where `buffer` starts in the response, for the positions errors give. */
  private offset = 0;
  /** The next byte of `buffer` to read. */
  private at = 0;
  private phase: Phase = 'head';
  private head = newHead();
  // The line being read: its start in `buffer`, its colon, whether its value has begun, whether a CR was last.
  private lineStart = 0;
  private colon = -1;
  private inValue = false;
  private afterCR = false;
  private chunkState = SIZE;
  /** Bytes of the head (or trailers) so far, as Node counts them. */
  private headBytes = 0;
  /** Body bytes still to come: of a Content-Length body, or of the current chunk. */
  private left = 0;
  private framed = true;
  private readonly parts: Buffer[] = [];
  /** The body of a large Content-Length, filled in place (see startBody). */
  private whole?: Buffer;
  private bodyBytes = 0;

  /**
   * Feeds bytes; returns the response once it is complete. Bytes after its end are not read: the response stands, and
   * says the connection cannot be reused (keepAlive false), as no reader can tell where such bytes belong.
   */
  push(chunk: Buffer): Http1Response | undefined {
    if (this.done) this.fail('bytes after the end of the response', this.buffer.length);
    this.append(chunk);
    while (this.step()) continue;
    return this.done ? this.response(this.at < this.buffer.length) : undefined;
  }

  /** The connection ended: a body read to the close is complete; anything else was cut short. */
  end(): Http1Response | undefined {
    return this.phase === 'to-close' ? this.response(false) : undefined;
  }

  /** Whether any byte of a response has arrived (a reused connection that closes before one may simply be stale). */
  get started(): boolean {
    return this.offset + this.buffer.length > 0;
  }

  private get done(): boolean {
    return this.phase === 'done';
  }

  private append(chunk: Buffer): void {
    const buffer = this.buffer;
    // A head or trailer line is kept until its end, for its name and value; everything else read is let go.
    const keep = Math.min(this.phase === 'head' || this.phase === 'trailers' ? this.lineStart : this.at, buffer.length);
    this.offset += keep;
    this.at -= keep;
    this.lineStart -= keep;
    if (this.colon >= 0) this.colon -= keep;
    this.buffer = keep === buffer.length ? chunk : Buffer.concat([buffer.subarray(keep), chunk]);
  }

  /** Reads what it can in the current phase; false once it needs more bytes (or is done). */
  private step(): boolean {
    switch (this.phase) {
      case 'head':
      case 'trailers':
      case 'chunk-size':
      case 'chunk-end': {
        const lineFeed = this.readLine();
        if (lineFeed >= 0) this.lineEnded(lineFeed - 1);
        return lineFeed >= 0;
      }
      case 'length':
      case 'chunk-data': {
        const count = Math.min(this.left, this.buffer.length - this.at);
        this.take(count);
        this.left -= count;
        if (this.left > 0) return false;
        if (this.phase === 'length') this.phase = 'done';
        else this.startLine('chunk-end');
        return true;
      }
      case 'to-close':
        this.take(this.buffer.length - this.at);
        return false;
      case 'done':
        return false;
    }
  }

  /** Checks the line's bytes as they come; returns the index of its LF once its CRLF is in, else -1. */
  private readLine(): number {
    const buffer = this.buffer;
    let i = this.at;
    while (i < buffer.length) {
      const byte = buffer[i]!;
      if (this.afterCR) {
        if (byte !== LF) this.fail('a CR not followed by LF', i - 1);
        this.afterCR = false;
        this.at = i + 1;
        return i;
      }
      if (byte === CR) {
        this.lineEnding(i);
        i++;
      } else if (byte === LF) {
        this.fail('a line ended by LF alone, without CR', i);
      } else if (this.phase === 'chunk-size') {
        this.chunkSizeByte(byte, i);
        i++;
      } else if (this.phase === 'chunk-end') {
        this.fail('a chunk longer than its size', i);
      } else if (this.phase === 'head' && this.head.status === 0) {
        i = this.statusRun(i);
      } else {
        i = this.fieldRun(i);
      }
    }
    this.at = i;
    return -1;
  }

  /** A CR: what a line cannot end with fails here, as llhttp fails it, without waiting for the LF. */
  private lineEnding(i: number): void {
    const length = i - this.lineStart;
    if (this.phase === 'chunk-size') {
      if (length === 0 || !CHUNK_LINE_END.has(this.chunkState)) this.fail('a chunk-size line that ends early', i);
    } else if (this.phase === 'head' && this.head.status === 0) {
      if (length === 0) this.fail('an empty line where the status line belongs', i);
      if (length < REASON_START - 1) this.fail('a status line that ends early', i);
    } else if (this.phase !== 'chunk-end' && length > 0 && this.colon < 0) {
      this.fail('a header line without a colon', i);
    }
    this.afterCR = true;
  }

  /**
   * Reads status line bytes from `i` up to a CR, LF or the buffer's end (where it returns): "HTTP/1.x", the status
   * code, then the reason phrase, which Node counts against its limit.
   */
  private statusRun(i: number): number {
    const buffer = this.buffer;
    for (; i < buffer.length; i++) {
      const byte = buffer[i]!;
      if (byte === CR || byte === LF) break;
      const k = i - this.lineStart;
      let fits: boolean;
      if (k < 7) fits = byte === 'HTTP/1.'.charCodeAt(k);
      else if (k === 7) fits = byte === 0x30 || byte === 0x31;
      else if (k === 8 || k === 12) fits = byte === SP;
      else if (k < 12) fits = byte >= (k === 9 ? 0x31 : 0x30) && byte <= 0x39;
      else fits = TEXT[byte] === 1;
      if (!fits) {
        const what = k < REASON_START ? 'a status line other than "HTTP/1.0" or "HTTP/1.1" and a status code' : null;
        this.fail(what ?? 'a control character in the reason phrase', i);
      }
      if (k >= REASON_START) this.count(i, i + 1);
    }
    return i;
  }

  /** Reads a header (or trailer) line's bytes from `i` up to a CR, LF or the buffer's end (where it returns). */
  private fieldRun(i: number): number {
    const buffer = this.buffer;
    const end = buffer.length;
    let j = i;
    if (this.colon < 0) {
      while (j < end && TOKEN[buffer[j]!] === 1) j++;
      this.count(i, j);
      if (j === end) return j;
      const byte = buffer[j]!;
      if (byte === COLON && j > this.lineStart) {
        this.colon = j;
        return j + 1;
      }
      if (byte === CR || byte === LF) return j;
      if (j === this.lineStart && isSpace(byte)) this.fail('a header line folded onto the one before (obsolete)', j);
      this.fail(
        byte === COLON ? 'a header line without a name' : 'a header name with a character names cannot hold',
        j,
      );
    }
    if (!this.inValue) {
      while (j < end && isSpace(buffer[j])) j++; // Node does not count the spaces before a value
      if (j < end && TEXT[buffer[j]!] === 1) this.inValue = true;
    }
    const start = j;
    if (this.inValue) while (j < end && TEXT[buffer[j]!] === 1) j++;
    this.count(start, j);
    const byte = buffer[j];
    if (byte !== undefined && byte !== CR && byte !== LF) {
      this.fail(byte === 0 ? 'a NUL in a header value' : 'a control character in a header value', j);
    }
    return j;
  }

  /** Counts the head bytes from `from` to `to` as Node does, failing at the one that reaches its limit. */
  private count(from: number, to: number): void {
    const before = this.headBytes;
    this.headBytes += to - from;
    if (this.headBytes >= MAX_HEAD_BYTES) {
      const what = this.phase === 'head' ? 'a head' : 'trailers';
      this.fail(
        `${what} of ${MAX_HEAD_BYTES} bytes or more (Node's --max-http-header-size)`,
        from + MAX_HEAD_BYTES - 1 - before,
      );
    }
  }

  private chunkSizeByte(byte: number, i: number): void {
    if (i - this.lineStart >= MAX_HEAD_BYTES) this.fail(`a chunk-size line of ${MAX_HEAD_BYTES} bytes or more`, i);
    const state = this.chunkState;
    let next = -1;
    switch (state) {
      case SIZE:
        if (HEX_VALUE[byte]! >= 0) {
          this.left = this.left * 16 + HEX_VALUE[byte]!;
          if (this.left > this.maxBodyBytes) this.fail('a chunk larger than this request takes', i);
          next = SIZE;
        } else if (byte === SEMICOLON && i > this.lineStart) {
          next = EXT_NAME_START;
        }
        break;
      case EXT_NAME_START:
        if (TOKEN[byte]) next = EXT_NAME;
        break;
      case EXT_NAME:
        next = TOKEN[byte] ? EXT_NAME : byte === SEMICOLON ? EXT_NAME_START : byte === EQUALS ? EXT_VALUE_START : -1;
        break;
      case EXT_VALUE_START:
        next = byte === QUOTE ? EXT_QUOTE_OPEN : TOKEN[byte] ? EXT_TOKEN : byte === SEMICOLON ? EXT_NAME_START : -1;
        break;
      case EXT_TOKEN:
        next = TOKEN[byte] ? EXT_TOKEN : byte === SEMICOLON ? EXT_NAME_START : -1;
        break;
      case EXT_QUOTE_OPEN: // llhttp refuses an empty quoted value
      case EXT_QUOTED:
        if (byte === BACKSLASH) next = EXT_ESCAPED;
        else if (byte === QUOTE) next = state === EXT_QUOTED ? EXT_QUOTE_CLOSED : -1;
        else if (TEXT[byte]) next = EXT_QUOTED;
        break;
      case EXT_ESCAPED:
        if (TEXT[byte]) next = EXT_QUOTED;
        break;
      case EXT_QUOTE_CLOSED:
        if (byte === SEMICOLON) next = EXT_NAME_START;
        break;
    }
    if (next < 0) this.fail(state === SIZE ? 'a chunk size that is not hexadecimal' : 'a malformed chunk extension', i);
    this.chunkState = next;
  }

  /** A line's CRLF is in; `end` is the index of its CR (below 0 when a chunk line's bytes are let go already). */
  private lineEnded(end: number): void {
    const empty = end === this.lineStart;
    switch (this.phase) {
      case 'head':
        if (this.head.status === 0) this.statusLineEnded();
        else if (empty) return this.headEnded(end);
        else this.fieldEnded(end);
        return this.startLine('head');
      case 'trailers':
        if (empty) {
          this.phase = 'done';
          return;
        }
        this.fieldEnded(end);
        return this.startLine('trailers');
      case 'chunk-size':
        if (this.left > 0) return this.startBody('chunk-data', this.left);
        this.headBytes = 0;
        return this.startLine('trailers');
      default: // chunk-end: any byte before its CRLF has failed already
        return this.startLine('chunk-size');
    }
  }

  private statusLineEnded(): void {
    const at = this.lineStart;
    const digit = (k: number) => this.buffer[at + k]! - 0x30;
    this.head.status = digit(9) * 100 + digit(10) * 10 + digit(11);
    this.head.http10 = digit(7) === 0;
  }

  private fieldEnded(end: number): void {
    const { lineStart, colon } = this;
    // One string a line; the name is its start, the value (raw: from its first byte but one that is not a space).
    const line = this.buffer.toString('latin1', lineStart, end);
    const name = line.slice(0, colon - lineStart).toLowerCase();
    let from = colon + 1 - lineStart;
    while (isSpace(line.charCodeAt(from))) from++;
    if (this.phase === 'trailers') {
      if (name === 'content-length') this.fail('a Content-Length among the trailers', lineStart);
      if (name === 'transfer-encoding' && from === line.length) this.fail('an empty Transfer-Encoding', lineStart);
      return; // trailers are checked, not kept
    }
    let to = line.length;
    while (to > from && isSpace(line.charCodeAt(to - 1))) to--;
    const raw = line.slice(from);
    const value = line.slice(from, to);
    const head = this.head;
    if (name === 'content-length') {
      if (head.contentLength !== undefined) this.fail('two Content-Length headers', lineStart);
      // llhttp takes spaces after the digits, but not tabs.
      if (!/^\d+ *$/.test(raw)) this.fail('a Content-Length that is not a number', lineStart + from);
      head.contentLength = Number(value);
      if (!Number.isSafeInteger(head.contentLength))
        this.fail('a Content-Length too large to be true', lineStart + from);
    } else if (name === 'transfer-encoding' || name === 'connection' || name === 'proxy-connection') {
      if (name !== 'transfer-encoding') {
        // The connection is kept only when every llhttp would keep it.
        head.close ||= listItems(raw, false).includes('close');
        head.keepAlive ||= listItems(raw, true).includes('keep-alive');
      } else {
        // llhttp 9.4 refuses an empty one; 9.3 passes over it.
        if (value === '') this.fail('an empty Transfer-Encoding', lineStart);
        head.transferEncoding = true;
        head.chunked = listItems(raw, true).at(-1) === 'chunked';
      }
    }
    const before = head.headers[name];
    head.headers[name] = before === undefined ? value : `${before}, ${value}`;
  }

  private headEnded(end: number): void {
    const head = this.head;
    if (head.transferEncoding && head.contentLength !== undefined) {
      this.fail('both Transfer-Encoding and Content-Length, which readers may frame differently', end);
    }
    if (head.transferEncoding && head.http10) this.fail('Transfer-Encoding in an HTTP/1.0 response', end);
    if (head.status === 101) this.fail('a switch of protocols nobody asked for', end);
    this.headBytes = 0;
    if (head.status < 200) {
      // Interim: the final response follows, with a head of its own, on a connection this head must not close.
      if (!keepsConnection(head)) this.fail('an interim response that closes the connection', end);
      this.head = newHead();
      return this.startLine('head');
    }
    if (head.status === 204 || head.status === 304) {
      this.phase = 'done';
    } else if (head.transferEncoding) {
      if (head.chunked) this.startLine('chunk-size');
      else this.startBody('to-close', 0);
    } else if (head.contentLength !== undefined) {
      if (head.contentLength > 0) this.startBody('length', head.contentLength);
      else this.phase = 'done';
    } else {
      this.startBody('to-close', 0);
    }
  }

  private startLine(phase: 'head' | 'trailers' | 'chunk-size' | 'chunk-end'): void {
    this.phase = phase;
    this.lineStart = this.at;
    this.colon = -1;
    this.inValue = false;
    this.chunkState = SIZE;
    this.left = 0;
  }

  private startBody(phase: 'length' | 'chunk-data' | 'to-close', length: number): void {
    this.phase = phase;
    this.left = length;
    if (phase === 'to-close') this.framed = false;
    // A large body of known length (a ranged read) is copied into one buffer as it arrives, not kept in pieces and
    // joined at the end: its memory is taken once, not twice.
    if (phase === 'length' && length > WHOLE_BODY_FROM) {
      if (length > this.maxBodyBytes) this.fail('a Content-Length larger than this request takes', this.at);
      this.whole = Buffer.allocUnsafe(length);
    }
  }

  private take(count: number): void {
    if (count === 0) return;
    this.bodyBytes += count;
    if (this.bodyBytes > this.maxBodyBytes) this.fail('a body larger than this request takes', this.at);
    if (this.whole) this.buffer.copy(this.whole, this.bodyBytes - count, this.at, this.at + count);
    else this.parts.push(this.buffer.subarray(this.at, this.at + count));
    this.at += count;
  }

  private response(more: boolean): Http1Response {
    const { status, headers } = this.head;
    const keepAlive = this.framed && !more && keepsConnection(this.head);
    const timeout = /\btimeout=(\d+)/i.exec(headers['keep-alive'] ?? '');
    const body = this.whole ?? (this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts));
    return { status, headers, body, keepAlive, keepAliveTimeoutS: timeout ? Number(timeout[1]) : undefined };
  }

  private fail(what: string, index: number): never {
    throw new InvalidResponseError(`${what} (at byte ${this.offset + index})`);
  }
}
