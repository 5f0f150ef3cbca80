import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockDigest, BlockIdScheme, NATIVE_ID_BYTES } from '../../src/engine/transfer/block-ids.js';
import { TransferError } from '../../src/engine/errors.js';
import { pseudoRandomBytes } from '../support/files.js';

const block = (seed: number, size = 1000) => pseudoRandomBytes(size, seed);

describe('block IDs from place and content', () => {
  it('are of one length, the same for the same block at the same place, and differ otherwise', () => {
    const scheme = BlockIdScheme.for([], 50_000);
    const a = block(1);
    const id = scheme.id(7, a.length, blockDigest(a));
    assert.equal(Buffer.from(id, 'base64').length, NATIVE_ID_BYTES);
    assert.ok(NATIVE_ID_BYTES < 64, 'under the service limit of 64 bytes');
    assert.equal(Buffer.from(id, 'base64').toString('base64'), id, 'canonical base64, as the service wants');
    assert.equal(id, BlockIdScheme.for(undefined, 50_000).id(7, a.length, blockDigest(Buffer.from(a))));
    const others = [
      scheme.id(8, a.length, blockDigest(a)), // another place
      scheme.id(7, a.length, blockDigest(block(2))), // other content
      scheme.id(7, a.length - 1, blockDigest(a.subarray(1))), // other length
      scheme.id(49_999, 1, blockDigest(Buffer.from('x'))),
    ];
    for (const other of others) {
      assert.notEqual(other, id);
      assert.equal(other.length, id.length);
    }
  });

  it('take the length (before base64) of the blocks another tool left staged, so staging beside them works', () => {
    for (const bytes of [1, 2, 4, 5, 15, 19, 20, 21, 32, 48, 63, 64]) {
      const foreign = Buffer.alloc(bytes, 0xab).toString('base64');
      const scheme = BlockIdScheme.for([{ id: foreign }], 3);
      const ids = [0, 1, 2].map((i) => scheme.id(i, 100, blockDigest(block(i))));
      for (const id of ids) {
        assert.equal(Buffer.from(id, 'base64').length, bytes, `${bytes} bytes`);
        assert.equal(id.length, foreign.length);
      }
      assert.equal(new Set(ids).size, 3, 'one a block');
    }
  });

  it('trust a staged block only when its ID carries enough of the hash: 20 bytes and more', () => {
    assert.equal(new BlockIdScheme(20, 3).resumable, true);
    assert.equal(new BlockIdScheme(19, 3).resumable, false);
    assert.equal(BlockIdScheme.for([{ id: 'YWFhYQ==' }], 3).resumable, false);
    assert.equal(BlockIdScheme.for([], 3).resumable, true);
  });

  it('refuses lengths no upload can stage beside: over 64 bytes, too short to number the blocks', () => {
    assert.throws(() => new BlockIdScheme(65, 1), TransferError);
    assert.throws(() => new BlockIdScheme(0, 1), TransferError);
    assert.throws(() => new BlockIdScheme(1, 257), TransferError); // 256 blocks at most
    assert.doesNotThrow(() => new BlockIdScheme(1, 256));
  });

  it('give distinct IDs to every block of the largest blob, in a seeded sample of short foreign lengths', () => {
    for (const length of [2, 3, 4, 6, 9]) {
      const scheme = new BlockIdScheme(length, 50_000);
      const ids = new Set<string>();
      for (let i = 0; i < 50_000; i += 7) ids.add(scheme.id(i, 1, Buffer.alloc(32)));
      assert.equal(ids.size, Math.ceil(50_000 / 7), `length ${length}`);
    }
  });
});
