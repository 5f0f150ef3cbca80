import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitCollisions } from '../../src/engine/plan/collisions.js';
import type { DiffOptions } from '../support/diff.js';
import { ListingFeed } from '../../src/engine/plan/listing-feed.js';
import { PlanMatcher } from '../../src/engine/plan/matcher.js';
import type { Plan, RemoteBlob, SourceEntry } from '../../src/engine/types.js';

const TYPE = 'text/plain; charset=utf-8';
const entry = (name: string, size = 1, md5?: string): SourceEntry => ({ name, size, md5 });
const blob = (name: string, size = 1, md5 = 'M', extra: Partial<RemoteBlob> = {}): RemoteBlob => ({
  name,
  blobName: `p/${name}`,
  size,
  md5,
  etag: `"e-${name}"`,
  contentType: TYPE,
  ...extra,
});
const options = (overrides: Partial<DiffOptions> = {}): DiffOptions => ({
  compare: 'md5',
  deleteDestination: true,
  blobName: (name) => `p/${name}`,
  headersFor: () => ({ contentType: TYPE }),
  inScope: () => true,
  ...overrides,
});
const summary = (plan: Plan) => ({
  upload: plan.upload.map((item) => `${item.local.name}:${item.reason}`),
  update: plan.updateHeaders.map((item) => item.local.name),
  skip: plan.skip.map((e) => e.name),
  delete: plan.delete.map((r) => r.name),
  remoteInScope: plan.remoteInScope,
});

describe('PlanMatcher', () => {
  it('finds each blob among the sorted files whatever order the listing comes in', () => {
    // Code-unit order puts 'Z' before 'a', '\uFFFD' before an astral character; the service's byte order differs.
    const names = ['Z.txt', 'a/b.txt', 'a.txt', 'b\uFFFD.txt', 'b\u{1F600}.txt', 'c.txt'];
    const locals = () => names.map((name) => entry(name, 1, 'M'));
    const remotes = [...names.map((name) => blob(name)), blob('gone.txt')];
    const orders = [remotes, [...remotes].reverse(), [remotes[3]!, remotes[0]!, remotes[5]!, ...remotes]];
    for (const order of orders) {
      const matcher = new PlanMatcher(locals(), options());
      order.forEach((remote) => matcher.add(remote));
      assert.deepEqual(summary(matcher.finish()), {
        upload: [],
        update: [],
        skip: [...names].sort(),
        delete: ['gone.txt'],
        remoteInScope: 7,
      });
    }
  });

  it('judges a blob whose file is not hashed yet only after the hash, keeping uploads in file order', () => {
    const locals = [entry('a', 1), entry('b', 1), entry('c', 1), entry('d', 2)];
    const matcher = new PlanMatcher(locals, options());
    ['d', 'c', 'b', 'a'].forEach((name) => matcher.add(blob(name, 1, name === 'c' ? 'other' : 'M')));
    assert.deepEqual(
      matcher.needingHash().map((e) => e.name),
      ['a', 'b', 'c'],
      'd has another size: uploaded without a hash',
    );
    locals.slice(0, 3).forEach((local) => (local.md5 = 'M'));
    assert.deepEqual(summary(matcher.finish()), {
      upload: ['c:changed', 'd:changed'],
      update: [],
      skip: ['a', 'b'],
      delete: [],
      remoteInScope: 4,
    });
  });

  it('counts the blob of a file that could not be read as extra, in listing order and only as listed (its etag)', () => {
    const locals = [entry('a'), entry('b'), entry('c')];
    const unreadable = locals[1]!;
    const matcher = new PlanMatcher(locals, options());
    [blob('x0'), blob('a'), blob('b'), blob('x1'), blob('c')].forEach((remote) => matcher.add(remote));
    locals.forEach((local) => local !== unreadable && (local.md5 = 'M'));
    const plan = matcher.finish(new Set([unreadable]));
    assert.deepEqual(summary(plan).delete, ['x0', 'b', 'x1']);
    assert.deepEqual(
      plan.delete.map((r) => [r.blobName, r.etag]),
      [
        ['p/x0', '"e-x0"'],
        ['p/b', '"e-b"'],
        ['p/x1', '"e-x1"'],
      ],
    );
    assert.deepEqual(summary(plan).skip, ['a', 'c']);
  });

  it('keeps the whole blob when more than its MD5 differs, and counts a name listed twice once', () => {
    const locals = [entry('a'), entry('b')];
    const matcher = new PlanMatcher(locals, options({ deleteDestination: false }));
    matcher.add(blob('a', 1, 'M', { contentType: 'text/html' }));
    matcher.add(blob('b'));
    matcher.add(blob('b'));
    locals.forEach((local) => (local.md5 = 'M'));
    const plan = matcher.finish();
    assert.deepEqual(summary(plan), { upload: [], update: ['a'], skip: ['b'], delete: [], remoteInScope: 2 });
    assert.equal(plan.updateHeaders[0]!.remote.etag, '"e-a"');
  });
});

describe('ListingFeed', () => {
  it('holds what arrives before the matcher, then passes everything on, noting the watched names', () => {
    const feed = new ListingFeed<SourceEntry>((name) => name === 'state');
    feed.take(blob('a'));
    feed.take(blob('state'));
    const locals = [entry('a', 1, 'M'), entry('b', 1, 'M')];
    const matcher = new PlanMatcher(locals, options());
    feed.attach(matcher, new Set(['a', 'z']));
    feed.take(blob('z'));
    assert.deepEqual(summary(matcher.finish()), {
      upload: ['b:new'],
      update: [],
      skip: ['a'],
      delete: ['z'],
      remoteInScope: 2,
    });
    assert.deepEqual([...feed.listedWatched].sort(), ['a', 'z']);
  });
});

describe('splitCollisions without a map of every name', () => {
  it('finds the same collisions in name order as in any other', () => {
    const group = [
      { name: 'a/b', sourceName: 'a\\b', size: 1 },
      { name: 'a/b', size: 1 },
      { name: 'a/b', sourceName: 'a\\b2', size: 1 },
    ];
    const sorted = [{ name: 'a', size: 1 }, ...group, { name: 'c', size: 1 }];
    const shuffled = [sorted[4]!, sorted[2]!, sorted[0]!, sorted[3]!, sorted[1]!];
    for (const entries of [sorted, shuffled]) {
      const split = splitCollisions(entries);
      assert.deepEqual(split.entries.map((e) => e.sourceName ?? e.name).sort(), ['a', 'a/b', 'c']);
      assert.deepEqual(split.collisions.map((c) => c.name).sort(), ['a\\b', 'a\\b2']);
    }
  });
});
