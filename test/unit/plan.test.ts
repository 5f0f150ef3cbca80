import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diff, filesNeedingHash, headersDiffer, type DiffOptions } from '../support/diff.js';
import { ProtectedFolders } from '../../src/engine/plan/protected.js';
import type { CompareMode, LocalFile, RemoteBlob } from '../../src/engine/types.js';

const local = (name: string, size: number, md5?: string): LocalFile => ({
  name,
  path: `/src/${name}`,
  size,
  md5,
});
const remote = (name: string, size: number, md5?: string, extra: Partial<RemoteBlob> = {}): RemoteBlob => ({
  name,
  blobName: `p/${name}`,
  size,
  md5,
  contentType: 'text/plain; charset=utf-8',
  ...extra,
});
const byName = (...blobs: RemoteBlob[]) => new Map(blobs.map((b) => [b.name, b]));

function options(overrides: Partial<DiffOptions> = {}): DiffOptions {
  return {
    compare: 'md5',
    deleteDestination: false,
    blobName: (name) => `p/${name}`,
    headersFor: () => ({ contentType: 'text/plain; charset=utf-8' }),
    inScope: () => true,
    ...overrides,
  };
}

function decide(compare: CompareMode, l: LocalFile, r?: RemoteBlob): string {
  const plan = diff([l], r ? byName(r) : new Map(), options({ compare }));
  if (plan.upload.length) return `upload:${plan.upload[0]!.reason}`;
  if (plan.updateHeaders.length) return 'update';
  return 'skip';
}

describe('diff', () => {
  // Every combination of compare mode × remote state × local state, with the expected decision.
  const cases: [CompareMode, string, LocalFile, RemoteBlob | undefined, string][] = [
    ['md5', 'absent remotely', local('a', 3, 'X'), undefined, 'upload:new'],
    ['md5', 'same size, same md5', local('a', 3, 'X'), remote('a', 3, 'X'), 'skip'],
    ['md5', 'same size, other md5', local('a', 3, 'X'), remote('a', 3, 'Y'), 'upload:changed'],
    ['md5', 'other size', local('a', 4, undefined), remote('a', 3, 'X'), 'upload:changed'],
    ['md5', 'remote without md5', local('a', 3, 'X'), remote('a', 3, undefined), 'upload:changed'],
    ['md5', 'local not hashed (unreadable)', local('a', 3, undefined), remote('a', 3, 'X'), 'upload:changed'],
    [
      'md5',
      'empty file, empty blob',
      local('a', 0, '1B2M2Y8AsgTpgAmY7PhCfg=='),
      remote('a', 0, '1B2M2Y8AsgTpgAmY7PhCfg=='),
      'skip',
    ],
    ['size', 'same size, other md5', local('a', 3, 'X'), remote('a', 3, 'Y'), 'skip'],
    ['size', 'same size, remote without md5', local('a', 3), remote('a', 3), 'skip'],
    ['size', 'other size', local('a', 4), remote('a', 3, 'X'), 'upload:changed'],
    ['size', 'absent remotely', local('a', 4), undefined, 'upload:new'],
    ['none', 'identical', local('a', 3, 'X'), remote('a', 3, 'X'), 'upload:always'],
    ['none', 'absent remotely', local('a', 3), undefined, 'upload:new'],
  ];
  for (const [compare, label, l, r, expected] of cases) {
    it(`${compare}: ${label} → ${expected}`, () => assert.equal(decide(compare, l, r), expected));
  }

  it('updates headers only when content is equal but the desired headers differ', () => {
    const plan = diff(
      [local('a.html', 3, 'X'), local('b.html', 3, 'Y')],
      byName(
        remote('a.html', 3, 'X', { contentType: 'text/plain' }),
        remote('b.html', 3, 'Z', { contentType: 'text/plain' }),
      ),
      options({ headersFor: () => ({ contentType: 'text/html; charset=utf-8' }) }),
    );
    assert.deepEqual(
      plan.updateHeaders.map((i) => i.local.name),
      ['a.html'],
    );
    assert.deepEqual(
      plan.upload.map((i) => i.local.name),
      ['b.html'],
    );
  });

  it('names upload targets under the destination path', () => {
    const plan = diff([local('x/y.txt', 1)], new Map(), options({ blobName: (n) => `site/${n}` }));
    assert.equal(plan.upload[0]!.blobName, 'site/x/y.txt');
  });

  it('deletes only with the flag, only blobs absent locally and in scope', () => {
    const remotes = byName(remote('keep', 1, 'K'), remote('gone', 1, 'G'), remote('excluded.map', 1, 'E'));
    const locals = [local('keep', 1, 'K')];
    const inScope = (n: string) => !n.endsWith('.map');
    assert.deepEqual(diff(locals, remotes, options({ inScope })).delete, []);
    const plan = diff(locals, remotes, options({ inScope, deleteDestination: true }));
    assert.deepEqual(
      plan.delete.map((r) => r.name),
      ['gone'],
    );
    assert.equal(plan.remoteInScope, 2);
  });

  it('never deletes nor counts blobs in protected folders (the previews beside production)', () => {
    const folders = new ProtectedFolders(['pr-+([0-9])', 'previews/pr-+([0-9])']);
    const remotes = byName(
      remote('index.html', 1, 'I'),
      remote('gone.html', 1, 'G'),
      remote('pr-12/index.html', 1, 'P'),
      remote('pr-12/deep/a.js', 1, 'P'),
      remote('previews/pr-3/index.html', 1, 'P'),
      remote('pr-12.html', 1, 'H'),
      remote('pr-draft/x.html', 1, 'D'),
      remote('docs/pr-4/x.html', 1, 'D'),
    );
    const plan = diff([local('index.html', 1, 'I')], remotes, {
      ...options({ deleteDestination: true }),
      isProtected: (name) => folders.covers(name),
    });
    assert.deepEqual(plan.delete.map((r) => r.name).sort(), [
      'docs/pr-4/x.html',
      'gone.html',
      'pr-12.html',
      'pr-draft/x.html',
    ]);
    assert.equal(plan.remoteInScope, 5);
    assert.equal(new ProtectedFolders().covers('pr-1/x'), false);
  });

  it('partitions every local file into exactly one of upload / update / skip', () => {
    const locals = Array.from({ length: 50 }, (_, i) => local(`f${i}`, i % 3, i % 2 ? 'A' : 'B'));
    const remotes = byName(
      ...Array.from({ length: 40 }, (_, i) =>
        remote(`f${i}`, i % 4, 'A', { contentType: i % 5 ? 'text/plain; charset=utf-8' : 'x/y' }),
      ),
    );
    const plan = diff(locals, remotes, options());
    const names = [
      ...plan.upload.map((i) => i.local.name),
      ...plan.updateHeaders.map((i) => i.local.name),
      ...plan.skip.map((entry) => entry.name),
    ];
    assert.equal(names.length, 50);
    assert.equal(new Set(names).size, 50);
  });
});

describe('filesNeedingHash', () => {
  it('hashes only files whose blob has an MD5 and the same size, in md5 mode', () => {
    const locals = [local('same', 3), local('resized', 4), local('new', 1), local('nomd5', 3), local('hashed', 3, 'X')];
    const remotes = byName(
      remote('same', 3, 'X'),
      remote('resized', 3, 'X'),
      remote('nomd5', 3),
      remote('hashed', 3, 'X'),
    );
    assert.deepEqual(
      filesNeedingHash(locals, remotes, 'md5').map((f) => f.name),
      ['same'],
    );
    assert.deepEqual(filesNeedingHash(locals, remotes, 'size'), []);
    assert.deepEqual(filesNeedingHash(locals, remotes, 'none'), []);
  });
});

describe('headersDiffer', () => {
  it('treats media types case- and space-insensitively', () => {
    assert.equal(
      headersDiffer(
        { contentType: 'text/html; charset=utf-8' },
        remote('a', 1, 'X', { contentType: 'text/html;charset=UTF-8' }),
      ),
      false,
    );
    assert.equal(headersDiffer({ contentType: 'text/html' }, remote('a', 1, 'X', { contentType: 'text/plain' })), true);
  });

  it('leaves an existing Cache-Control alone when no rule matches, and enforces a rule that does', () => {
    const blob = remote('a', 1, 'X', { cacheControl: 'max-age=60' });
    assert.equal(headersDiffer({ contentType: 'text/plain; charset=utf-8' }, blob), false);
    assert.equal(headersDiffer({ contentType: 'text/plain; charset=utf-8', cacheControl: 'no-cache' }, blob), true);
    assert.equal(headersDiffer({ contentType: 'text/plain; charset=utf-8', cacheControl: 'max-age=60' }, blob), false);
  });
});
