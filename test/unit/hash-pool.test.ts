import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hashFiles, hashWorkersFor } from '../../src/engine/local/hash.js';
import { HashPool } from '../../src/engine/local/hash-pool.js';
import type { HashStats, LocalFile } from '../../src/engine/types.js';
import { makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';

function localFiles(root: string, names: string[]): LocalFile[] {
  return names.map((name) => {
    const full = path.join(root, name);
    let size = 0;
    try {
      size = statSync(full).size;
    } catch {
      // a missing file keeps size 0: hashing must report it, not the test
    }
    return { name, path: full, size };
  });
}

async function hashWithStats(files: LocalFile[]) {
  let stats: HashStats | undefined;
  const hashed: string[] = [];
  const errors = await hashFiles(files, 4, {
    onHashed: (file) => hashed.push(file.name),
    onDone: (s) => (stats = s),
  });
  assert.ok(stats, 'the hash phase reports what it did');
  return { errors, stats, hashed };
}

// Straddles the 1 MiB read size in the worker, so chunk boundaries are exercised.
const SEVERAL_MB = pseudoRandomBytes(5 * 2 ** 20 + 7, 3);
const expectedWorkers = Math.min(os.availableParallelism(), 4);

describe('HashPool', () => {
  it('gives the same MD5 as node:crypto for empty, 1-byte and several-MB files, in order', async () => {
    const contents = { 'empty.txt': '', 'one.txt': 'x', 'big.bin': SEVERAL_MB };
    const root = makeTree(contents);
    const pool = new HashPool(2);
    try {
      const result = await pool.hash(Object.keys(contents).map((name) => path.join(root, name)));
      assert.deepEqual(result.md5s, Object.values(contents).map(md5Base64));
      assert.deepEqual(result.errors, [null, null, null]);
    } finally {
      await pool.close();
    }
  });

  it('answers per file when files are missing or not files, and keeps working afterwards', async () => {
    const root = makeTree({ 'ok.txt': 'fine', 'plain.txt': 'p' });
    mkdirSync(path.join(root, 'folder'));
    const pool = new HashPool(1);
    try {
      const paths = ['missing.txt', 'folder', 'plain.txt/child', 'ok.txt'].map((name) => path.join(root, name));
      const result = await pool.hash(paths);
      assert.deepEqual(result.errors, ['ENOENT', 'EISDIR', 'ENOTDIR', null]);
      assert.deepEqual(result.md5s, [null, null, null, md5Base64('fine')]);
      const again = await pool.hash([path.join(root, 'ok.txt')]);
      assert.deepEqual(again.md5s, [md5Base64('fine')]);
    } finally {
      await pool.close();
    }
  });

  it('hashes the whole file when it grew or shrank after the scan saw its size', async () => {
    const contents = { 'grew.txt': 'grown since the scan', 'shrank.txt': 'short', 'same.bin': SEVERAL_MB };
    const root = makeTree(contents);
    const pool = new HashPool(1);
    try {
      const paths = Object.keys(contents).map((name) => path.join(root, name));
      // As scanned: grew.txt was 5 bytes (its first read comes back longer), shrank.txt 500 (shorter, not at the size).
      const result = await pool.hash(paths, [5, 500, SEVERAL_MB.length]);
      assert.deepEqual(result.md5s, Object.values(contents).map(md5Base64));
      const sized = await pool.hash([path.join(root, 'grew.txt')], [20]);
      assert.deepEqual(sized.md5s, [md5Base64(contents['grew.txt'])]);
    } finally {
      await pool.close();
    }
  });

  it('refuses work after close instead of hanging', async () => {
    const pool = new HashPool(1);
    await pool.close();
    await assert.rejects(pool.hash(['/nonexistent']), /stopped/);
  });
});

describe('hashFiles', () => {
  it('hashes many small files on worker threads, with the same result as node:crypto', async () => {
    const contents: Record<string, Buffer> = {};
    for (let i = 0; i < 600; i++) contents[`d${i % 7}/f${i}.txt`] = pseudoRandomBytes(1 + ((i * 37) % 4096), i + 1);
    contents['big.bin'] = SEVERAL_MB;
    contents['empty.txt'] = Buffer.alloc(0);
    const root = makeTree(contents);
    const files = localFiles(root, Object.keys(contents));

    const { errors, stats, hashed } = await hashWithStats(files);
    assert.equal(errors.size, 0);
    assert.equal(stats.workers, expectedWorkers);
    assert.equal(stats.files, files.length);
    assert.equal(
      stats.bytes,
      Object.values(contents).reduce((sum, c) => sum + c.length, 0),
    );
    assert.equal(hashed.length, files.length, 'onHashed once per file');
    for (const file of files) assert.equal(file.md5, md5Base64(contents[file.name]!), file.name);
  });

  for (const [label, extra] of [
    ['on worker threads', 520],
    ['on the main thread (too few files to start workers)', 0],
  ] as const) {
    it(`returns unreadable files as a map of file to error code ${label}, and hashes the rest`, async () => {
      const contents: Record<string, string> = { 'ok.txt': 'ok' };
      for (let i = 0; i < extra; i++) contents[`more/${i}.txt`] = `file ${i}`;
      const root = makeTree(contents);
      mkdirSync(path.join(root, 'folder'));
      const files = localFiles(root, [...Object.keys(contents), 'gone.txt', 'folder']);

      const { errors, stats, hashed } = await hashWithStats(files);
      assert.equal(stats.workers, extra > 0 ? expectedWorkers : 0);
      const byName = new Map([...errors].map(([file, code]) => [file.name, code]));
      assert.deepEqual(Object.fromEntries(byName), { 'gone.txt': 'ENOENT', folder: 'EISDIR' });
      assert.equal(hashed.length, files.length - 2);
      for (const file of files.slice(0, -2)) assert.equal(file.md5, md5Base64(contents[file.name]!), file.name);
    });
  }

  it('starts workers only when there is enough to hash', () => {
    const files = (count: number, size: number) =>
      Array.from({ length: count }, (_, i) => ({ name: `${i}`, path: `${i}`, size }));
    assert.equal(hashWorkersFor([]), 0);
    assert.equal(hashWorkersFor(files(10, 1000)), 0);
    assert.equal(hashWorkersFor(files(400, 4000)), 0);
    assert.equal(hashWorkersFor(files(1, 20 * 2 ** 20)), 0);
    assert.equal(hashWorkersFor(files(5_000, 1000)), expectedWorkers);
    assert.equal(hashWorkersFor(files(1, 256 * 2 ** 20)), 1, 'one big file: one worker, not an idle second');
    assert.equal(hashWorkersFor(files(3, 64 * 2 ** 20)), Math.min(expectedWorkers, 3));
  });
});
