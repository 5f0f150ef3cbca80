import { createHash } from 'node:crypto';

/*
 * The hash cache's file: text, one file a line, sorted by name, and a last line with the row count and the SHA-256 of
 * everything before it, so a file cut short, edited or damaged on disk is known as such and never trusted (a wrong
 * MD5 taken from it would leave a changed file unsent). Hand-written rather than JSON: a million rows are read and
 * written as a stream of lines, never as one object tree; JSON.stringify / JSON.parse do the one part that needs
 * escaping (the name). What would let it go: a format library with streaming reads and a checksum, which npm lacks
 * in a dependency-free form. Its seeded fuzz test is test/unit/hash-cache-file.test.ts.
 *
 *   azure-blob-sync hash cache 1
 *   source "/home/agent/exports"
 *   <md5 base64> <size> <mtimeMs> <ctimeMs> <ino> <dev> "<name, JSON>"
 *   …
 *   end <rows> <sha256 hex of the lines above>
 */

export const MAGIC = 'azure-blob-sync hash cache';
const VERSION = 1;
const HEADER = `${MAGIC} ${VERSION}`;

/** One file as the cache remembers it: its MD5 while its size and stat key stay as they were. */
export interface CacheRow {
  name: string;
  md5: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  dev: number;
}

/** What a file on disk turned out to be. */
export type ReadCache =
  | { kind: 'cache'; source: string; rows: () => Generator<CacheRow> }
  /** Not a hash cache of this tool: never trusted, never overwritten. */
  | { kind: 'foreign' }
  /** This tool's, but cut short, damaged or of another version: never trusted, rewritten at the end of the run. */
  | { kind: 'damaged'; why: string };

/** Thrown by `rows()` on a row that does not parse, or out of order; the checksum matched, so a hand edit or a bug. */
export class DamagedCache extends Error {}

const MD5_BASE64 = /^[A-Za-z0-9+/]{22}==$/;
const TRAILER = /^end (\d+) ([0-9a-f]{64})$/;

/** Reads a cache file's bytes. Rows are parsed as they are taken (see DamagedCache), in name order. */
export function readCache(bytes: Buffer): ReadCache {
  const firstEnd = bytes.indexOf(0x0a);
  const first = bytes.toString('utf8', 0, firstEnd < 0 ? Math.min(bytes.length, 64) : firstEnd);
  if (!first.startsWith(MAGIC)) return { kind: 'foreign' };
  if (first !== HEADER) return { kind: 'damaged', why: 'it was written by another version' };
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a) return { kind: 'damaged', why: 'it was cut short' };
  const trailerStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  const trailer = TRAILER.exec(bytes.toString('utf8', trailerStart, bytes.length - 1));
  if (!trailer || trailerStart <= firstEnd) return { kind: 'damaged', why: 'it was cut short' };
  if (createHash('sha256').update(bytes.subarray(0, trailerStart)).digest('hex') !== trailer[2]) {
    return { kind: 'damaged', why: 'its checksum does not match its content' };
  }
  const sourceEnd = bytes.indexOf(0x0a, firstEnd + 1);
  const source = parseSourceLine(bytes.toString('utf8', firstEnd + 1, sourceEnd));
  if (source === undefined || sourceEnd >= trailerStart) return { kind: 'damaged', why: 'its header is damaged' };
  if (countLines(bytes, sourceEnd + 1, trailerStart) !== Number(trailer[1])) {
    return { kind: 'damaged', why: 'its row count does not match' };
  }
  return { kind: 'cache', source, rows: () => rowsOf(bytes, sourceEnd + 1, trailerStart) };
}

function* rowsOf(bytes: Buffer, from: number, to: number): Generator<CacheRow> {
  let previous: string | undefined;
  for (let start = from; start < to;) {
    const end = bytes.indexOf(0x0a, start);
    const row = parseRow(bytes.toString('utf8', start, end));
    if (!row) throw new DamagedCache('a row does not parse');
    if (previous !== undefined && !(previous < row.name)) throw new DamagedCache('its rows are out of order');
    previous = row.name;
    // Read again from the bytes: a slice of the line would keep the whole line alive with the file that takes it.
    row.md5 = bytes.toString('latin1', start, start + row.md5.length);
    yield row;
    start = end + 1;
  }
}

function countLines(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a, from); at >= 0 && at < to; at = bytes.indexOf(0x0a, at + 1)) count++;
  return count;
}

function parseSourceLine(line: string): string | undefined {
  if (!line.startsWith('source ')) return undefined;
  const value = parseJsonString(line.slice('source '.length));
  return value === '' ? undefined : value;
}

/** One row, or undefined when it is not one (see `formatRow`). */
export function parseRow(line: string): CacheRow | undefined {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 6; i++) {
    const space = line.indexOf(' ', at);
    if (space < 0) return undefined;
    fields.push(line.slice(at, space));
    at = space + 1;
  }
  const [md5, ...numbers] = fields as [string, ...string[]];
  const name = parseJsonString(line.slice(at));
  if (!MD5_BASE64.test(md5) || name === undefined || name === '') return undefined;
  const [size, mtimeMs, ctimeMs, ino, dev] = numbers.map(parseNumber);
  if ([size, mtimeMs, ctimeMs, ino, dev].some((n) => n === undefined) || !Number.isSafeInteger(size) || size! < 0) {
    return undefined;
  }
  return { name, md5, size: size!, mtimeMs: mtimeMs!, ctimeMs: ctimeMs!, ino: ino!, dev: dev! };
}

/** A finite number as `String(number)` writes it (so it reads back exactly), or undefined. */
function parseNumber(text: string): number | undefined {
  if (!/^-?\d+(\.\d+)?(e[+-]\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function parseJsonString(text: string): string | undefined {
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function formatRow(row: CacheRow): string {
  return `${row.md5} ${row.size} ${row.mtimeMs} ${row.ctimeMs} ${row.ino} ${row.dev} ${JSON.stringify(row.name)}`;
}

/** Builds a cache file's text piece by piece, hashing as it goes; `finish` adds the trailer. */
export class CacheWriter {
  private readonly hash = createHash('sha256');
  private rows = 0;

  constructor(private readonly write: (text: string) => void) {}

  header(source: string): void {
    this.put(`${HEADER}\nsource ${JSON.stringify(source)}\n`);
  }

  row(row: CacheRow): void {
    this.rows++;
    this.put(`${formatRow(row)}\n`);
  }

  finish(): void {
    this.write(`end ${this.rows} ${this.hash.digest('hex')}\n`);
  }

  private put(text: string): void {
    this.hash.update(text, 'utf8');
    this.write(text);
  }
}
