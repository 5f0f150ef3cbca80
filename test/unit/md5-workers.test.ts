import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Md5Workers } from '../../src/engine/transfer/md5-workers.js';
import { pseudoRandomBytes } from '../support/files.js';

const MiB = 1024 * 1024;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('base64');

describe('hashing downloads on worker threads', () => {
  it('gives the MD5 of the bytes in order, for several large files at once, through the backlog', async () => {
    const workers = new Md5Workers(2);
    try {
      const files = [1, 2, 3].map((seed) => pseudoRandomBytes(40 * MiB + seed * 1000, seed));
      const digests = await Promise.all(
        files.map(async (file) => {
          const hash = workers.hashFor(file.length);
          // Pieces of all sizes, some of them views into Node's shared pool of small buffers.
          for (let at = 0, step = 1; at < file.length; step = (step * 7) % 3_000_000 || 1) {
            const pieces = [Buffer.from(file.subarray(at, at + 100)), file.subarray(at + 100, at + 100 + step)];
            at += 100 + step;
            await hash.update(pieces.filter((piece) => piece.length > 0));
          }
          assert.equal(hash.written, file.length);
          return hash.digest();
        }),
      );
      assert.deepEqual(digests, files.map(md5));
      // The shared pool still works: moving a buffer never took one of Node's pooled slabs.
      assert.equal(Buffer.from('still here').toString(), 'still here');
    } finally {
      await workers.close();
    }
  });

  it('hashes small files where they are, without a thread', async () => {
    const workers = new Md5Workers(1);
    const hash = workers.hashFor(10);
    await hash.update([Buffer.from('hello '), Buffer.from('world')]);
    assert.equal(await hash.digest(), md5(Buffer.from('hello world')));
    await workers.close();
  });
});
