import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downloadReason, filesToHash, type LocalFileState, planDownload } from '../../src/engine/plan/download-plan.js';
import type { RemoteBlob } from '../../src/engine/types.js';

const T = Date.parse('2026-11-30T10:00:00Z');
const blob = (name: string, size: number, more: Partial<RemoteBlob> = {}): RemoteBlob => ({
  name,
  blobName: `v1/${name}`,
  size,
  lastModified: T,
  ...more,
});
const file = (name: string, size: number, more: Partial<LocalFileState> = {}): LocalFileState => ({
  name,
  size,
  mtimeMs: T + 400,
  ...more,
});
const byName = (...files: LocalFileState[]) => new Map(files.map((f) => [f.name, f]));

describe('what a download fetches', () => {
  it('by MD5 where the blob has one: the same content is skipped, other content or size fetched', () => {
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), undefined, 'md5'), 'new');
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), file('a', 3, { md5: 'M' }), 'md5'), undefined);
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), file('a', 3, { md5: 'X' }), 'md5'), 'changed');
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), file('a', 4), 'md5'), 'changed');
  });

  it('by size and the time the last download set where the blob has no MD5 (blocks written by other tools)', () => {
    assert.equal(downloadReason(blob('a', 3), file('a', 3), 'md5'), undefined, 'the same second');
    assert.equal(downloadReason(blob('a', 3), file('a', 3, { mtimeMs: T - 1000 }), 'md5'), 'changed');
    assert.equal(downloadReason(blob('a', 3, { lastModified: undefined }), file('a', 3), 'md5'), 'changed');
  });

  it('compares the file the upload encoded, not the stored bytes, for a blob written under a compress rule', () => {
    const encoded = blob('a.js', 40, {
      md5: 'STORED',
      contentEncoding: 'br',
      source: { size: 100, md5: 'SRC', encoding: 'br' },
    });
    assert.equal(downloadReason(encoded, file('a.js', 100, { md5: 'SRC' }), 'md5'), undefined);
    assert.equal(downloadReason(encoded, file('a.js', 40, { md5: 'STORED' }), 'md5'), 'changed');
    assert.deepEqual(
      filesToHash([encoded], byName(file('a.js', 100)), 'md5').map((f) => f.name),
      ['a.js'],
    );
  });

  it('follows compare size and none', () => {
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), file('a', 3, { md5: 'X' }), 'size'), undefined);
    assert.equal(downloadReason(blob('a', 3, { md5: 'M' }), file('a', 3, { md5: 'M' }), 'none'), 'always');
  });

  it('hashes only files whose blob has an MD5 of their size, in md5 mode', () => {
    const blobs = [
      blob('same', 3, { md5: 'M' }),
      blob('resized', 3, { md5: 'M' }),
      blob('nomd5', 3),
      blob('new', 1, { md5: 'M' }),
    ];
    const files = byName(file('same', 3), file('resized', 9), file('nomd5', 3));
    assert.deepEqual(
      filesToHash(blobs, files, 'md5').map((f) => f.name),
      ['same'],
    );
    assert.deepEqual(filesToHash(blobs, files, 'size'), []);
  });
});

describe('the download plan', () => {
  it('fetches, skips, and deletes local extras in scope with deletes on, counting the files in scope', () => {
    const blobs = [blob('keep', 1, { md5: 'K' }), blob('changed', 1, { md5: 'C' }), blob('new', 1, { md5: 'N' })];
    const files = byName(
      file('keep', 1, { md5: 'K' }),
      file('changed', 1, { md5: 'old' }),
      file('extra', 5),
      file('out.log', 5),
    );
    const plan = planDownload(blobs, files, {
      compare: 'md5',
      deleteDestination: true,
      inScope: (name) => !name.endsWith('.log'),
    });
    assert.equal(plan.downloads, true);
    assert.deepEqual(
      plan.upload.map((i) => [i.local.name, i.blobName, i.reason]),
      [
        ['changed', 'changed', 'changed'],
        ['new', 'new', 'new'],
      ],
    );
    assert.deepEqual(
      plan.skip.map((b) => b.name),
      ['keep'],
    );
    assert.deepEqual(
      plan.delete.map((d) => d.name),
      ['extra'],
    );
    assert.equal(plan.remoteInScope, 3, 'keep, changed, extra: out.log is out of scope');
    const keeping = planDownload(blobs, files, { compare: 'md5', deleteDestination: false, inScope: () => true });
    assert.deepEqual(keeping.delete, []);
  });
});
