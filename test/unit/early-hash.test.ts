import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EarlyHashing } from '../../src/engine/local/early-hash.js';
import type { HashStats, LocalFile } from '../../src/engine/types.js';
import { makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';

function localFiles(root: string, files: Record<string, Buffer | string>): LocalFile[] {
  return Object.entries(files).map(([name, content]) => ({
    name,
    path: path.join(root, name),
    size: Buffer.byteLength(content),
  }));
}

/** The process's OS threads (Linux): each hashing worker is one, so a pool left running shows here. */
function threadCount(): number {
  return Number(/^Threads:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
}

async function settlesTo(expected: number): Promise<number> {
  for (let i = 0; i < 50 && threadCount() !== expected; i++) await new Promise((r) => setTimeout(r, 20));
  return threadCount();
}

describe('hashing while the container is listed', () => {
  const contents = {
    'a.html': '<p>a</p>',
    'b.css': 'b{}',
    'big.bin': pseudoRandomBytes(2 * 2 ** 20 + 1, 5),
  };

  it('hashes only small files early, then what the listing says is still needed, reporting both as one phase', async () => {
    const root = makeTree(contents);
    const [a, b, big] = localFiles(root, contents);
    const hashing = new EarlyHashing(4);
    hashing.offer([a!, b!, big!]);
    hashing.scanned(() => true);
    let stats: HashStats | undefined;
    const errors = await hashing.finish([a!, big!], (s) => (stats = s));
    assert.equal(errors.size, 0);
    assert.equal(a!.md5, md5Base64(contents['a.html']));
    assert.equal(b!.md5, md5Base64(contents['b.css']), 'hashed early although not needed in the end');
    assert.equal(big!.md5, md5Base64(contents['big.bin']), 'the large file is hashed once it is known to be needed');
    assert.deepEqual([stats?.files, stats?.bytes], [3, 8 + 3 + 2 * 2 ** 20 + 1]);
  });

  it('never reads a large file that turns out not to be needed (a new file is hashed while it uploads)', async () => {
    const root = makeTree(contents);
    const [, , big] = localFiles(root, contents);
    const hashing = new EarlyHashing(4);
    hashing.offer([big!]);
    hashing.scanned(() => true);
    let called = false;
    await hashing.finish([], () => (called = true));
    assert.equal(big!.md5, undefined);
    assert.equal(called, false, 'nothing was hashed, so there is no hash phase to report');
  });

  it('reports a file that cannot be read, once, and does not hash it again', async () => {
    const root = makeTree({ 'a.html': 'a' });
    const [a] = localFiles(root, { 'a.html': 'a' });
    const gone = { name: 'gone.txt', path: path.join(root, 'gone.txt'), size: 3 };
    const hashing = new EarlyHashing(4);
    hashing.offer([a!, gone]);
    hashing.scanned(() => true);
    const errors = await hashing.finish([a!, gone]);
    assert.deepEqual([...errors], [[gone, 'ENOENT']]);
  });
  it('hashes what the listing asks for alongside the early pass, as one phase, and stops the workers when the run ends early', async () => {
    const many: Record<string, Buffer | string> = { 'big.bin': pseudoRandomBytes(3 * 2 ** 20, 9) };
    for (let i = 0; i < 600; i++) many[`small-${i}.txt`] = `small file ${i}`;
    const root = makeTree(many);
    const files = localFiles(root, many);
    const [big, ...small] = files;
    const hashing = new EarlyHashing(4);
    hashing.offer(files);
    hashing.scanned(() => true);
    let stats: HashStats | undefined;
    let phases = 0;
    const errors = await hashing.finish([big!, small[0]!], (s) => ((stats = s), phases++));
    assert.equal(errors.size, 0);
    assert.equal(phases, 1);
    assert.equal(big!.md5, md5Base64(many['big.bin']!));
    assert.ok(small.every((file) => file.md5 === md5Base64(many[file.name]!)));
    assert.deepEqual([stats?.files, stats?.workers], [601, Math.min(os.availableParallelism(), 4)]);

    const before = threadCount();
    const cancelled = new EarlyHashing(4);
    cancelled.offer(localFiles(makeTree(many), many));
    cancelled.scanned(() => true);
    assert.ok(threadCount() > before, 'the early pass started workers');
    await cancelled.cancel();
    assert.equal(await settlesTo(before), before, 'cancel stopped every worker');
  });

  it('starts while the folder is still being scanned once 10,000 files are found; fewer wait for the scan to end', async () => {
    const few = { 'a.txt': 'a', 'b.txt': 'b' };
    const fewFiles = localFiles(makeTree(few), few);
    const waiting = new EarlyHashing(4);
    waiting.offer(fewFiles);
    await new Promise((resolve) => setTimeout(resolve, 50));
    waiting.scanned(() => false);
    await waiting.finish([]);
    assert.ok(
      fewFiles.every((file) => file.md5 === undefined),
      'the listing was done when the scan ended: none was read',
    );

    const many: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) many[`f${i}.txt`] = `file ${i}`;
    const files = localFiles(makeTree(many), many);
    const before = threadCount();
    const early = new EarlyHashing(4);
    early.offer(files.slice(0, 9_999));
    assert.equal(threadCount(), before, 'below 10,000 files nothing starts');
    early.offer(files.slice(9_999));
    assert.ok(threadCount() > before, 'the 10,000th file started the workers before the scan ended');
    let stats: HashStats | undefined;
    const errors = await early.finish([], (s) => (stats = s));
    assert.equal(errors.size, 0);
    assert.ok(files.every((file) => file.md5 === md5Base64(many[file.name]!)));
    assert.equal(stats?.files, 10_000);
  });
});
