import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../src/engine/errors.js';
import { type CacheRow, CacheWriter, readCache } from '../../src/engine/local/hash-cache-file.js';
import { LocalFolderSource } from '../../src/engine/local/local-folder.js';
import { PathFilter } from '../../src/engine/plan/path-filter.js';
import { makeTree, md5Base64, tempDir, writeFile } from '../support/files.js';

const FILES = {
  'a.txt': 'alpha',
  'b.txt': 'bravo',
  'c/d.bin': 'delta delta',
  'c/e.bin': 'echo',
};

interface Run {
  /** Files that got their MD5 from the cache. */
  hits: string[];
  /** Files hashed this run. */
  hashed: string[];
  warnings: string[];
  md5s: Record<string, string>;
}

/** A run of the local source alone: list (the cache gives what it knows), hash the rest, save. */
async function run(root: string, cache: string, filter = new PathFilter([], [])): Promise<Run> {
  const source = await LocalFolderSource.open(root, { hashCache: cache });
  try {
    const listing = await source.list(filter);
    const hits = listing.entries.filter((e) => e.md5 !== undefined).map((e) => e.name);
    const missing = listing.entries.filter((e) => e.md5 === undefined);
    const errors = await source.hash(missing);
    assert.equal(errors.size, 0);
    const saved = await source.remember();
    return {
      hits,
      hashed: missing.map((e) => e.name),
      warnings: [...listing.warnings, ...saved],
      md5s: Object.fromEntries(listing.entries.map((e) => [e.name, e.md5!])),
    };
  } finally {
    await source.close();
  }
}

function rowsIn(cache: string): CacheRow[] {
  const read = readCache(readFileSync(cache));
  assert.equal(read.kind, 'cache', `${cache} is a valid cache`);
  return read.kind === 'cache' ? [...read.rows()] : [];
}

/** Rewrites the cache file with its checksum made right, as if the rows had been written so. */
function rewriteCache(cache: string, edit: (rows: CacheRow[]) => CacheRow[]): void {
  const read = readCache(readFileSync(cache));
  assert.equal(read.kind, 'cache');
  if (read.kind !== 'cache') return;
  let text = '';
  const writer = new CacheWriter((piece) => (text += piece));
  writer.header(read.source);
  edit([...read.rows()]).forEach((row) => writer.row(row));
  writer.finish();
  writeFileSync(cache, text);
}

/** Sets a file's mtime to the nanosecond (Node's utimes takes seconds as a double, which loses the last digits). */
function restoreMtime(file: string, ns: bigint): void {
  const seconds = ns / 1_000_000_000n;
  const fraction = String(ns % 1_000_000_000n).padStart(9, '0');
  execFileSync('touch', ['-m', '-d', `@${seconds}.${fraction}`, file]);
}

const names = Object.keys(FILES).sort();
const expectedMd5s = Object.fromEntries(Object.entries(FILES).map(([name, content]) => [name, md5Base64(content)]));

describe('the hash cache of a local folder', () => {
  /** Folders whose files were written more than the cache's settling time ago (see hash-cache.ts), one a test. */
  const settled = Array.from({ length: 14 }, () => makeTree(FILES));
  const settledTree = () => settled.pop()!;
  before(() => sleep(3100));

  it('gives unchanged files their MD5 on the next run, so nothing is read', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    const first = await run(root, cache);
    assert.deepEqual([first.hits, first.hashed.sort(), first.warnings], [[], names, []]);
    const second = await run(root, cache);
    assert.deepEqual([second.hits.sort(), second.hashed, second.warnings], [names, [], []]);
    assert.deepEqual(second.md5s, expectedMd5s);
  });

  it('misses a file when any part of its key differs: name, size, mtime, ctime, inode, device', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    await run(root, cache);
    const bump: ((row: CacheRow) => CacheRow)[] = [
      (row) => ({ ...row, name: `${row.name}x` }),
      (row) => ({ ...row, size: row.size + 1 }),
      (row) => ({ ...row, mtimeMs: row.mtimeMs + 0.001 }),
      (row) => ({ ...row, ctimeMs: row.ctimeMs - 1 }),
      (row) => ({ ...row, ino: row.ino + 1 }),
      (row) => ({ ...row, dev: row.dev + 1 }),
    ];
    for (const [i, change] of bump.entries()) {
      rewriteCache(cache, (rows) => rows.map((row) => (row.name === 'b.txt' ? change(row) : row)));
      const next = await run(root, cache);
      assert.deepEqual(next.hashed, ['b.txt'], `change ${i}`);
      assert.equal(next.md5s['b.txt'], md5Base64('bravo'));
      await sleep(5); // a fresh ctime for b.txt is not needed: the cache still holds the settled key
    }
  });

  it('hashes again a file rewritten with the same size and its old mtime put back, and one replaced by another', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    await run(root, cache);
    const file = path.join(root, 'a.txt');
    const mtime = statSync(file, { bigint: true }).mtimeNs;
    writeFileSync(file, 'ALPHA'); // same size
    restoreMtime(file, mtime); // to the nanosecond, as tar or rsync do: only the change time tells
    assert.equal(statSync(file, { bigint: true }).mtimeNs, mtime);
    const replaced = path.join(root, 'c/e.bin');
    const eMtime = statSync(replaced, { bigint: true }).mtimeNs;
    writeFileSync(`${replaced}.new`, 'ECHO');
    restoreMtime(`${replaced}.new`, eMtime);
    renameSync(`${replaced}.new`, replaced); // another inode, same size and mtime
    const next = await run(root, cache);
    assert.deepEqual(next.hashed.sort(), ['a.txt', 'c/e.bin']);
    assert.equal(next.md5s['a.txt'], md5Base64('ALPHA'));
    assert.equal(next.md5s['c/e.bin'], md5Base64('ECHO'));
    writeFileSync(path.join(root, 'b.txt'), 'bravo!'); // another size
    const after = await run(root, cache);
    assert.ok(after.hashed.includes('b.txt'));
    assert.equal(after.md5s['b.txt'], md5Base64('bravo!'));
  });

  it('does not remember files changed just before the run: a write in the same clock tick would go unseen', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    writeFile(root, 'fresh.txt', 'just written');
    await run(root, cache);
    assert.deepEqual(
      rowsIn(cache).map((row) => row.name),
      names,
    );
    const next = await run(root, cache);
    assert.deepEqual(next.hashed, ['fresh.txt']);
  });

  it('keeps the rows of files outside the run (include/exclude) and drops those of files that are gone', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    await run(root, cache, new PathFilter(['*.txt'], []));
    await run(root, cache, new PathFilter(['*.bin'], []));
    assert.deepEqual(
      rowsIn(cache).map((row) => row.name),
      names,
    );
    unlinkSync(path.join(root, 'c/d.bin'));
    await run(root, cache, new PathFilter(['*.bin'], []));
    assert.deepEqual(
      rowsIn(cache).map((row) => row.name),
      ['a.txt', 'b.txt', 'c/e.bin'],
    );
    const all = await run(root, cache);
    assert.deepEqual(all.hashed, []);
  });

  it('survives runs at once: the last to finish wins a whole, valid file, and no row is wrong', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    for (let round = 0; round < 5; round++) {
      await Promise.all([run(root, cache), run(root, cache), run(root, cache, new PathFilter(['*.txt'], []))]);
      const rows = rowsIn(cache);
      assert.ok(rows.length >= 2, 'at least the rows of the run that finished last');
      for (const row of rows) assert.equal(row.md5, expectedMd5s[row.name], row.name);
    }
    const next = await run(root, cache);
    assert.deepEqual(next.md5s, expectedMd5s);
    assert.deepEqual(readdirSync(path.dirname(cache)), ['site.cache'], 'no temporary file left behind');
  });

  it('ignores a damaged file with a warning, hashes everything, and writes it anew', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    await run(root, cache);
    const text = readFileSync(cache, 'utf8');
    writeFileSync(cache, text.replace(md5Base64('alpha'), md5Base64('other')));
    const damaged = await run(root, cache);
    assert.equal(damaged.hits.length, 0);
    assert.match(damaged.warnings.join('\n'), /is not used: its checksum does not match/);
    assert.deepEqual(damaged.md5s, expectedMd5s);
    assert.equal((await run(root, cache)).hashed.length, 0, 'written anew');
    writeFileSync(cache, text.slice(0, text.length / 2));
    assert.match((await run(root, cache)).warnings.join('\n'), /is not used: it was cut short/);
  });

  it('ignores a file that is not a cache with a warning, and leaves it as it is', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'package.json');
    writeFileSync(cache, '{"name":"precious"}\n');
    const first = await run(root, cache);
    assert.match(first.warnings.join('\n'), /is not a file this tool wrote, so it is not used and is left as it is/);
    assert.equal(first.hashed.length, names.length);
    assert.equal(readFileSync(cache, 'utf8'), '{"name":"precious"}\n');
  });

  it('leaves alone a file that is not a cache put there during the run', async () => {
    const root = settledTree();
    const cache = path.join(tempDir(), 'site.cache');
    for (const filter of [new PathFilter([], []), new PathFilter(['*.txt'], [])]) {
      const source = await LocalFolderSource.open(root, { hashCache: cache });
      const listing = await source.list(filter);
      await source.hash(listing.entries);
      writeFileSync(cache, 'precious notes');
      assert.match((await source.remember()).join('\n'), /is not a file this tool wrote/);
      await source.close();
      assert.equal(readFileSync(cache, 'utf8'), 'precious notes');
      unlinkSync(cache);
    }
  });

  it('is rebuilt, with a warning, when it was written for another folder', async () => {
    const cache = path.join(tempDir(), 'site.cache');
    await run(settledTree(), cache);
    const other = await run(settledTree(), cache);
    assert.match(other.warnings.join('\n'), /was written for another source folder/);
    assert.equal(other.hits.length, 0);
  });

  it('refuses a place inside the source (also through a link), and a folder', async () => {
    const root = settledTree();
    const outside = tempDir();
    symlinkSync(path.join(root, 'c'), path.join(outside, 'into-source'));
    for (const inside of [
      path.join(root, 'cache'),
      path.join(root, 'c', 'new', 'deeper', 'cache'),
      path.join(outside, 'into-source', 'cache'),
      root,
    ]) {
      await assert.rejects(
        LocalFolderSource.open(root, { hashCache: inside }),
        (error: Error) => error instanceof UsageError && /is inside the source folder|is a folder/.test(error.message),
        inside,
      );
    }
    mkdirSync(path.join(outside, 'a-folder'));
    await assert.rejects(LocalFolderSource.open(root, { hashCache: path.join(outside, 'a-folder') }), /is a folder/);
    const beside = path.join(outside, 'deep', 'er', 'site.cache');
    await run(root, beside);
    assert.ok(existsSync(beside), 'its folders are created');
  });
});
