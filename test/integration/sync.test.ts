import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { syncFolder } from '../support/folder-sync.js';
import type { FileResult, SyncEvents } from '../../src/engine/types.js';
import { GuardError, UsageError } from '../../src/engine/errors.js';
import { useAzurite } from '../support/azurite.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes, writeFile } from '../support/files.js';

const azurite = useAzurite();

function run(container: ContainerClient, raw: RawSyncOptions, events: SyncEvents = {}) {
  return syncFolder(resolveSyncOptions(raw), { container, label: container.url }, events);
}

describe('sync against Azurite', () => {
  it('uploads everything on the first run with MD5 and content types, then skips it all', async () => {
    const container = await azurite.newContainer();
    const files = { 'index.html': '<h1>hi</h1>', 'assets/app.js': 'console.log(1)', 'data.json': '{"a":1}' };
    const source = makeTree(files);

    const first = await run(container, { source });
    assert.equal(first.uploaded, 3);
    assert.equal(first.failed, 0);
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) assert.equal(state.get(name)?.md5, md5Base64(content), name);
    assert.equal(state.get('index.html')?.contentType, 'text/html; charset=utf-8');
    assert.equal(state.get('assets/app.js')?.contentType, 'text/javascript; charset=utf-8');
    assert.equal(state.get('data.json')?.contentType, 'application/json; charset=utf-8');

    const second = await run(container, { source });
    assert.deepEqual([second.uploaded, second.skipped, second.updated], [0, 3, 0]);
  });

  it('skips everything after every mtime changed, and uploads only the edited file', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'a.txt': 'alpha', 'b.txt': 'bravo', 'c/d.txt': 'delta' });
    await run(container, { source });

    const future = new Date(Date.now() + 3600_000);
    for (const name of ['a.txt', 'b.txt', 'c/d.txt']) utimesSync(path.join(source, name), future, future);
    const touched = await run(container, { source });
    assert.deepEqual([touched.uploaded, touched.skipped], [0, 3]);

    writeFile(source, 'b.txt', 'BRAVO'); // same size, new content: only MD5 can tell
    const results: FileResult[] = [];
    const edited = await run(container, { source }, { file: (r) => results.push(r) });
    assert.deepEqual([edited.uploaded, edited.skipped], [1, 2]);
    assert.deepEqual(
      results.filter((r) => r.action === 'uploaded').map((r) => [r.name, r.reason]),
      [['b.txt', 'changed']],
    );
    assert.equal((await blobState(container)).get('b.txt')?.md5, md5Base64('BRAVO'));
  });

  it('updates headers in place when only the rules changed, keeping the MD5', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'index.html': '<p>x</p>', 'assets/app.css': 'a{}' });
    await run(container, { source });
    const before = await blobState(container);

    const rules = { cacheControl: ['**/*.html=no-cache', 'assets/**=public, max-age=31536000, immutable'] };
    const summary = await run(container, { source, ...rules });
    assert.deepEqual([summary.uploaded, summary.updated, summary.skipped], [0, 2, 0]);
    const after = await blobState(container);
    assert.equal(after.get('index.html')?.cacheControl, 'no-cache');
    assert.equal(after.get('assets/app.css')?.cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(after.get('index.html')?.md5, before.get('index.html')?.md5);
    assert.equal(after.get('index.html')?.contentType, 'text/html; charset=utf-8');

    const again = await run(container, { source, ...rules });
    assert.deepEqual([again.updated, again.skipped], [0, 2]);
  });

  it('deletes extras only with the flag, and never outside the destination path', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('outside.txt', 'keep', 4);
    await container.uploadBlockBlob('site-old/x.txt', 'keep', 4);
    const source = makeTree({ 'a.txt': 'a', 'b.txt': 'b', 'c.txt': 'c' });
    await run(container, { source, destinationPath: 'site' });
    await container.uploadBlockBlob('site/stale.txt', 'old', 3);

    const without = await run(container, { source, destinationPath: 'site' });
    assert.equal(without.deleted, 0);
    assert.ok((await blobState(container)).has('site/stale.txt'));

    const withFlag = await run(container, { source, destinationPath: 'site', deleteDestination: true });
    assert.equal(withFlag.deleted, 1);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), [
      'outside.txt',
      'site-old/x.txt',
      'site/a.txt',
      'site/b.txt',
      'site/c.txt',
    ]);
  });

  it('lists nested folders completely, keeps directory stubs, and deletes extras at any depth', async () => {
    const container = await azurite.newContainer();
    const blob = (name: string, content: string, metadata?: Record<string, string>) =>
      container.uploadBlockBlob(name, content, content.length, { metadata });
    await blob('site/docs', '', { hdi_isfolder: 'true' }); // an ADLS folder marker
    await blob('site/empty/', ''); // a folder placeholder some tools write
    await blob('site/a//b.txt', 'double slash'); // another tool's name with an empty segment: left alone
    await blob('site/deep/1/2/3/4/old.txt', 'extra');
    await blob('site/index.html', 'old');
    await blob('site/docs/guide.html', 'old'); // with index.html: deletes stay within the guard's 50%
    await blob('sites/other.txt', 'a sibling prefix, outside');
    const files: Record<string, string> = { 'index.html': 'new', 'docs/guide.html': 'guide' };
    for (let i = 0; i < 40; i++) files[`deep/${i % 4}/${i % 3}/f${i}.txt`] = `${i}`;
    const source = makeTree(files);

    const summary = await run(container, { source, destinationPath: 'site', deleteDestination: true });
    assert.deepEqual([summary.uploaded, summary.deleted, summary.failed], [42, 1, 0]);
    const after = await blobState(container);
    const names = [...after.keys()];
    assert.ok(names.includes('site/docs') && names.includes('site/empty/'), 'directory stubs are kept');
    assert.ok(!names.includes('site/deep/1/2/3/4/old.txt'), 'extras deleted');
    assert.ok(names.includes('site/a//b.txt'), 'a name no request may address is never deleted (issue #26)');
    assert.ok(names.includes('sites/other.txt'), 'a sibling prefix is outside the destination');
    for (const name of Object.keys(files)) assert.equal(after.get(`site/${name}`)?.md5, md5Base64(files[name]!));

    const again = await run(container, { source, destinationPath: 'site', deleteDestination: true });
    assert.deepEqual([again.skipped, again.uploaded, again.deleted], [42, 0, 0]);
  });

  it('refuses to delete when the source matched nothing, and changes nothing', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('keep.txt', 'keep', 4);
    await assert.rejects(run(container, { source: makeTree({}), deleteDestination: true }), GuardError);
    const filtered = makeTree({ 'only.map': 'x' });
    await assert.rejects(
      run(container, { source: filtered, exclude: ['*.map'], deleteDestination: true }),
      (error: Error) => error instanceof UsageError && /None of the 1 files .* match/.test(error.message),
    );
    assert.deepEqual([...(await blobState(container)).keys()], ['keep.txt']);
  });

  it('round-trips odd names and a 0-byte file', async () => {
    const container = await azurite.newContainer();
    const names = [
      'with space.txt',
      '100% done.txt',
      'hash#tag.txt',
      'question?.txt',
      'plus+sign.txt',
      'ünïcödé/日本語.txt',
      'emoji 🚀.txt',
      '.well-known/security.txt',
      'deep/a/b/c/d/e/f/g/h/i/j/file.txt',
      'empty.bin',
    ];
    const source = makeTree(Object.fromEntries(names.map((n) => [n, n === 'empty.bin' ? '' : `content of ${n}`])));
    const first = await run(container, { source });
    assert.equal(first.failed, 0, JSON.stringify(first.failures));
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [...names].sort());
    assert.equal(state.get('empty.bin')?.size, 0);
    const second = await run(container, { source });
    assert.deepEqual([second.uploaded, second.skipped], [0, names.length]);
  });

  it('uploads a file larger than several blocks with its Content-MD5 set', async () => {
    const container = await azurite.newContainer();
    const content = pseudoRandomBytes(21 * 1024 * 1024 + 123);
    const source = makeTree({ 'big.bin': content });
    const summary = await syncFolder(
      { ...resolveSyncOptions({ source }), blockSize: 4 * 1024 * 1024 },
      { container, label: container.url },
    );
    assert.equal(summary.uploaded, 1);
    const blocks = await container.getBlockBlobClient('big.bin').getBlockList('committed');
    assert.equal(blocks.committedBlocks?.length, 6);
    assert.equal((await blobState(container)).get('big.bin')?.md5, md5Base64(content));
    const again = await run(container, { source });
    assert.equal(again.skipped, 1);
  });

  it('sends nothing on a dry run', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('extra.txt', 'x', 1);
    const source = makeTree({ 'a.txt': 'a' });
    const summary = await run(container, { source, dryRun: true, deleteDestination: true, force: true });
    assert.deepEqual([summary.uploaded, summary.deleted, summary.dryRun], [1, 1, true]);
    assert.deepEqual([...(await blobState(container)).keys()], ['extra.txt']);
  });

  it('does not delete when a file failed', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('extra.txt', 'x', 1);
    // The service strips a trailing dot from blob names, so the engine refuses such a file.
    const source = makeTree({ 'ok.txt': 'fine', 'trailing-dot.': 'cannot round-trip' });
    const summary = await run(container, { source, deleteDestination: true, force: true });
    assert.equal(summary.uploaded, 1);
    assert.equal(summary.failed, 1);
    assert.match(summary.failures[0]?.reason ?? '', /trailing/);
    assert.equal(summary.deleted, 0);
    assert.match(summary.deletesSkipped ?? '', /1 file\(s\) failed/);
    assert.ok((await blobState(container)).has('extra.txt'));
  });
});
