import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockDigest, BlockIdScheme, NATIVE_ID_LENGTH } from '../../src/engine/transfer/block-ids.js';
import { TransferError } from '../../src/engine/errors.js';
import { pseudoRandomBytes } from '../support/files.js';

const block = (seed: number, size = 1000) => pseudoRandomBytes(size, seed);

describe('block IDs from place and content', () => {
  it('are of one length, the same for the same block at the same place, and differ otherwise', () => {
    const scheme = BlockIdScheme.for([], 50_000);
    const a = block(1);
    const id = scheme.id(7, a.length, blockDigest(a));
    assert.equal(id.length, NATIVE_ID_LENGTH);
    assert.ok(Buffer.from(id, 'base64').length < 64, 'under the service limit of 64 bytes');
    assert.equal(id, BlockIdScheme.for(undefined, 50_000).id(7, a.length, blockDigest(Buffer.from(a))));
    const others = [
      scheme.id(8, a.length, blockDigest(a)), // another place
      scheme.id(7, a.length, blockDigest(block(2))), // other content
      scheme.id(7, a.length - 1, blockDigest(a.subarray(1))), // other length
      scheme.id(49_999, 1, blockDigest(Buffer.from('x'))),
    ];
    for (const other of others) {
      assert.notEqual(other, id);
      assert.equal(other.length, NATIVE_ID_LENGTH);
    }
  });

  it('take the length of the blocks another tool left staged, so staging beside them works', () => {
    for (const foreign of ['YWFhYQ==', 'YWFhYQ', 'YWFhYWE', 'x'.repeat(28), 'A'.repeat(64), 'B'.repeat(84)]) {
      const scheme = BlockIdScheme.for([{ id: foreign }], 3);
      const ids = [0, 1, 2].map((i) => scheme.id(i, 100, blockDigest(block(i))));
      for (const id of ids) assert.equal(id.length, foreign.length, `as long as ${foreign}`);
      assert.equal(new Set(ids).size, 3, 'one a block');
    }
  });

  it('trust a staged block only when its ID carries enough of the hash: 20 bytes and more', () => {
    assert.equal(BlockIdScheme.for([{ id: 'x'.repeat(28) }], 3).resumable, true, '21 bytes');
    assert.equal(BlockIdScheme.for([{ id: 'x'.repeat(24) }], 3).resumable, false, '18 bytes');
    assert.equal(BlockIdScheme.for([{ id: 'YWFhYQ==' }], 3).resumable, false);
    assert.equal(BlockIdScheme.for([], 3).resumable, true);
  });

  it('refuses lengths no upload can stage beside: not base64, over 64 bytes, too short to number the blocks', () => {
    assert.throws(() => BlockIdScheme.for([{ id: 'abcde' }], 1), TransferError); // 4n+1
    assert.throws(() => BlockIdScheme.for([{ id: 'A'.repeat(88) }], 1), TransferError); // 66 bytes
    assert.throws(() => BlockIdScheme.for([{ id: 'AA' }], 257), TransferError); // 1 byte: 256 blocks at most
    assert.doesNotThrow(() => BlockIdScheme.for([{ id: 'AA' }], 256));
  });

  it('give distinct IDs to every block of the largest blob, in a seeded sample of short foreign lengths', () => {
    for (const length of [3, 4, 6, 8, 12]) {
      const scheme = BlockIdScheme.for([{ id: 'A'.repeat(length) }], 50_000);
      const ids = new Set<string>();
      for (let i = 0; i < 50_000; i += 7) ids.add(scheme.id(i, 1, Buffer.alloc(32)));
      assert.equal(ids.size, Math.ceil(50_000 / 7), `length ${length}`);
    }
  });
});
