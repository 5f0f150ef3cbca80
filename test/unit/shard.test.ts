import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { inShard, parseShard } from '../../src/engine/plan/shard.js';

describe('shards', () => {
  it('parses K/N and refuses anything else', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    assert.deepEqual(parseShard(' 1 / 1 '), { index: 1, count: 1 });
    assert.equal(parseShard(''), undefined);
    assert.equal(parseShard(undefined), undefined);
    for (const bad of ['0/4', '5/4', '4', '1/0', 'x/y', '1/1001', '-1/4', '1.5/4'])
      assert.throws(() => parseShard(bad), UsageError, bad);
  });

  it('puts every name in exactly one shard, spread evenly', () => {
    const count = 8;
    const sizes = new Array<number>(count).fill(0);
    for (let i = 0; i < 80_000; i++) {
      const name = `assets/chunk-${i}.js`;
      const owners = Array.from({ length: count }, (_, k) => inShard(name, { index: k + 1, count })).filter(Boolean);
      assert.equal(owners.length, 1, name);
      sizes[Array.from({ length: count }, (_, k) => k).find((k) => inShard(name, { index: k + 1, count }))!]!++;
    }
    for (const size of sizes) assert.ok(Math.abs(size - 10_000) < 400, `uneven: ${sizes.join(', ')}`);
  });

  it('is stable: the same names land in the same shards in every version (jobs of one sync may differ in version)', () => {
    const shardOf = (name: string) => [1, 2, 3, 4].find((index) => inShard(name, { index, count: 4 }));
    // Pinned: a change of hash would send a name to another shard and split one sync between two versions.
    assert.deepEqual(['index.html', 'assets/app.js', 'docs/ünïcödé.html', 'a b%#.txt'].map(shardOf), [3, 2, 4, 1]);
    // FNV-1a (32 bit) of 'a' is the published 0xe40c292c.
    assert.equal(shardOf('a'), (0xe40c292c % 4) + 1);
    assert.equal(inShard('anything', undefined), true);
    assert.equal(inShard('anything', { index: 1, count: 1 }), true);
  });
});
