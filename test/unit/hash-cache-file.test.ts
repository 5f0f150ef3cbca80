import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CacheRow,
  CacheWriter,
  DamagedCache,
  parseRow,
  readCache,
} from '../../src/engine/local/hash-cache-file.js';
import { md5Base64 } from '../support/files.js';

function cacheText(source: string, rows: CacheRow[]): string {
  let text = '';
  const writer = new CacheWriter((piece) => (text += piece));
  writer.header(source);
  rows.forEach((row) => writer.row(row));
  writer.finish();
  return text;
}

const row = (name: string, more: Partial<CacheRow> = {}): CacheRow => ({
  name,
  md5: md5Base64(name),
  size: name.length,
  mtimeMs: 1733350000123.4568 - 0.0001,
  ctimeMs: 1733350001999 + 1 / 3,
  ino: 2 ** 40 + 3,
  dev: 66306,
  ...more,
});

const ROWS = [
  row('a b.txt'),
  row('dir/"quoted"\nnew line\t.bin', { size: 0 }),
  row('dir/ünïcødé ✓', { mtimeMs: -5.5, ino: 1e21 }),
  row('z', { size: 2 ** 40 }),
];

function rowsOf(text: string | Buffer): CacheRow[] {
  const read = readCache(Buffer.from(text));
  assert.equal(read.kind, 'cache');
  return read.kind === 'cache' ? [...read.rows()] : [];
}

/** xorshift32, so the fuzz below is the same on every run. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

describe('the hash cache file', () => {
  it('reads back exactly what was written: names with any character, numbers to the last bit', () => {
    const text = cacheText('/home/agent/exports', ROWS);
    const read = readCache(Buffer.from(text));
    assert.equal(read.kind === 'cache' && read.source, '/home/agent/exports');
    assert.deepEqual(rowsOf(text), ROWS);
    assert.deepEqual(rowsOf(cacheText('/x', [])), []);
  });

  it('is not used when cut short, changed by a byte, or its count does not match', () => {
    const text = cacheText('/src', ROWS);
    const lines = text.split('\n');
    const damaged = {
      'cut at a line': lines.slice(0, -2).join('\n') + '\n',
      'cut mid-line': text.slice(0, text.length - 10),
      'one byte changed': text.replace('a b.txt', 'a c.txt'),
      'a row dropped': [...lines.slice(0, 2), ...lines.slice(3)].join('\n'),
      'another version': text.replace('hash cache 1', 'hash cache 2'),
      'no source line': [lines[0], ...lines.slice(2)].join('\n'),
    };
    for (const [what, bad] of Object.entries(damaged)) {
      assert.equal(readCache(Buffer.from(bad)).kind, 'damaged', what);
    }
  });

  it('tells a file that is not a cache from a damaged one', () => {
    for (const foreign of ['', '{"name":"package"}\n', 'hash cache\n', '\n\n']) {
      assert.equal(readCache(Buffer.from(foreign)).kind, 'foreign', JSON.stringify(foreign));
    }
  });

  it('refuses rows out of order even under a matching checksum (a hand edit or a bug)', () => {
    const text = cacheText('/src', [row('b'), row('a')]);
    const read = readCache(Buffer.from(text));
    assert.equal(read.kind, 'cache');
    if (read.kind === 'cache') assert.throws(() => [...read.rows()], DamagedCache);
  });

  it('parses only rows as written: an MD5, five numbers, a JSON string', () => {
    const good = `${md5Base64('x')} 1 2.5 3 4 5 "x"`;
    assert.ok(parseRow(good));
    for (const bad of [
      `${md5Base64('x')} 1 2.5 3 4 "x"`,
      `${md5Base64('x').slice(1)} 1 2 3 4 5 "x"`,
      `${md5Base64('x')} -1 2 3 4 5 "x"`,
      `${md5Base64('x')} 1.5 2 3 4 5 "x"`,
      `${md5Base64('x')} 1 NaN 3 4 5 "x"`,
      `${md5Base64('x')} 1 2 3 4 5 x`,
      `${md5Base64('x')} 1 2 3 4 5 ""`,
      `${md5Base64('x')} 1 2 3 4 5 "x`,
      `${md5Base64('x')} 1 0x2 3 4 5 "x"`,
      `${md5Base64('x')}  1 2 3 4 5 "x"`,
      '',
    ]) {
      assert.equal(parseRow(bad), undefined, bad);
    }
  });

  it('survives a seeded, bounded fuzz: any mutation reads as foreign, damaged or a cache, and never throws', () => {
    // Replaces a hand-written format; what would let it go is named in hash-cache-file.ts.
    const random = seeded(0x5eed);
    const base = Buffer.from(cacheText('/src', ROWS));
    const alphabet = Buffer.from(' \n"\\0123456789abcdef=+/-.e\u00ff');
    let cachesRead = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(base);
      const edits = 1 + Math.floor(random() * 4);
      let mutated: Buffer = bytes;
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(random() * mutated.length);
        const kind = random();
        if (kind < 0.4) mutated[at] = alphabet[Math.floor(random() * alphabet.length)]!;
        else if (kind < 0.7) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)]);
        else mutated = mutated.subarray(0, at);
      }
      const read = readCache(mutated);
      assert.ok(['foreign', 'damaged', 'cache'].includes(read.kind));
      if (read.kind !== 'cache') continue;
      cachesRead++;
      // What still reads as a cache passed the checksum: it is the file as written, rows and all.
      assert.deepEqual([...read.rows()], ROWS);
    }
    assert.ok(cachesRead < 30, `${cachesRead} of 3000 mutations read as a cache`);
  });
});
