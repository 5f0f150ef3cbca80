import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthError, DestinationError } from '../../src/engine/errors.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { sync } from '../../src/engine/sync.js';
import type { FileResult, SyncOptions } from '../../src/engine/types.js';
import { md5, MemoryDestination, MemorySource, serviceError } from '../support/memory.js';

function options(raw: Partial<RawSyncOptions> = {}, more: Partial<SyncOptions> = {}): SyncOptions {
  return { ...resolveSyncOptions({ source: 'memory', concurrency: '8', ...raw }), ...more };
}

async function run(source: MemorySource, destination: MemoryDestination, opts: SyncOptions) {
  const files: FileResult[] = [];
  const summary = await sync(opts, { source, destination }, { file: (result) => files.push(result) });
  return { summary, files };
}

describe('sync rules on an in-memory source and destination', () => {
  it('uploads pages only after every other upload and header update has finished', async () => {
    const files: Record<string, string> = { 'index.html': '<p>home</p>', 'docs/a.htm': '<p>a</p>' };
    for (let i = 0; i < 20; i++) files[`assets/chunk-${i}.js`] = `export const n = ${i};`;
    const destination = new MemoryDestination();
    destination.seed('style.css', 'body{}', { contentType: 'text/plain' }); // only its headers change
    const source = new MemorySource({ ...files, 'style.css': 'body{}' });

    const { summary } = await run(source, destination, options());
    assert.equal(summary.uploaded, 22);
    assert.equal(summary.updated, 1);
    const puts = destination.calls('put');
    const pages = puts.filter((p) => /\.html?$/.test(p.blobName!));
    const others = [...puts.filter((p) => !/\.html?$/.test(p.blobName!)), ...destination.calls('setHeaders')];
    assert.equal(pages.length, 2);
    const lastOther = Math.max(...others.map((o) => o.finished!));
    const firstPageStart = destination.operations.indexOf(pages[0]!);
    // Every non-page call finished before the first page call started.
    for (const other of others) assert.ok(destination.operations.indexOf(other) < firstPageStart);
    assert.ok(pages.every((p) => p.finished! > lastOther));
  });

  it('deletes nothing when an upload failed, and says why', async () => {
    const destination = new MemoryDestination();
    destination.seed('old-1.js', 'old');
    destination.seed('old-2.js', 'old');
    destination.fault = (op, blobName) => (op === 'put' && blobName === 'b.js' ? serviceError(500) : undefined);
    const source = new MemorySource({ 'a.js': 'a', 'b.js': 'b', 'c.js': 'c' });

    const { summary } = await run(source, destination, options({ deleteDestination: true, force: true }));
    assert.equal(summary.failed, 1);
    assert.equal(summary.uploaded, 2);
    assert.equal(summary.deleted, 0);
    assert.equal(destination.calls('delete').length, 0, 'no delete was even attempted');
    assert.match(summary.deletesSkipped ?? '', /1 file\(s\) failed, so none of the 2 extra blob\(s\) were deleted/);
    assert.deepEqual(summary.changedBlobs, ['a.js', 'c.js'], 'what changed: neither the failed file nor a delete');
    assert.ok(destination.blobs.has('old-1.js') && destination.blobs.has('old-2.js'));
  });

  it('leaves alone a blob whose headers would change but that another writer replaced after the listing', async () => {
    const destination = new MemoryDestination();
    destination.seed('page.css', 'p{}', { contentType: 'text/plain' });
    destination.beforeCall = (op) => {
      if (op === 'setHeaders') destination.seed('page.css', 'q{}', { contentType: 'text/plain' });
    };
    const { summary } = await run(new MemorySource({ 'page.css': 'p{}' }), destination, options());
    assert.deepEqual(summary.failures, [{ name: 'page.css', reason: '412: ConditionNotMet' }]);
    assert.equal(destination.blobs.get('page.css')?.content.toString(), 'q{}');
    assert.equal(
      destination.blobs.get('page.css')?.headers.contentType,
      'text/plain',
      'the newer blob keeps its headers',
    );
  });

  it('does not delete an extra blob that another writer replaced after the listing', async () => {
    const destination = new MemoryDestination();
    destination.seed('extra.txt', 'listed version');
    destination.seed('other.txt', 'listed version');
    destination.beforeCall = (op, blobName) => {
      if (op === 'delete' && blobName === 'extra.txt') destination.seed('extra.txt', 'written meanwhile');
    };
    const source = new MemorySource({ 'new.txt': 'new' });
    const { summary } = await run(source, destination, options({ deleteDestination: true, force: true }));
    assert.equal(summary.deleted, 1);
    assert.deepEqual(summary.failures, [{ name: 'extra.txt', reason: 'changed since it was listed; not deleted' }]);
    assert.equal(destination.blobs.get('extra.txt')?.content.toString(), 'written meanwhile');
    assert.ok(!destination.blobs.has('other.txt'));
  });

  it('stops at the first refusal (403) with an AuthError, sending nothing more', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `f-${String(i).padStart(2, '0')}.txt`);
    const destination = new MemoryDestination();
    destination.fault = (op) => (op === 'put' ? serviceError(403, 'AuthorizationPermissionMismatch') : undefined);
    const source = new MemorySource(Object.fromEntries(names.map((n) => [n, n])));

    await assert.rejects(run(source, destination, options({ concurrency: '4' })), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /refused an upload \(403: AuthorizationPermissionMismatch\)/);
      return true;
    });
    assert.ok(
      destination.calls('put').length <= 4,
      `only the uploads already in flight: ${destination.calls('put').length}`,
    );
  });

  it('counts what cannot be read as failed in a dry run too, and then would delete nothing', async () => {
    const destination = new MemoryDestination();
    destination.seed('gone.txt', 'old');
    destination.seed('same.txt', 'same', { contentType: 'text/plain; charset=utf-8' });
    const source = new MemorySource({ 'same.txt': 'same', 'new.txt': 'new', 'locked.txt': new Error('EACCES') });

    const { summary } = await run(source, destination, options({ dryRun: true, deleteDestination: true, force: true }));
    assert.equal(summary.failed, 1);
    assert.deepEqual(summary.failures, [{ name: 'locked.txt', reason: 'cannot read: EACCES' }]);
    assert.equal(summary.uploaded, 1, 'new.txt would be uploaded');
    assert.equal(summary.skipped, 1);
    assert.equal(summary.deleted, 0, 'a real run would delete nothing after a failure');
    assert.match(summary.deletesSkipped ?? '', /would be deleted/);
    assert.deepEqual(
      destination.operations.map((o) => o.op),
      ['list'],
      'a dry run only lists',
    );
  });

  it('writes a large entry in blocks, commits it with the MD5 of the whole, and never commits a changed one', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024 + 7, 'x');
    const destination = new MemoryDestination('site');
    const source = new MemorySource({ 'big.bin': big, 'moving.bin': Buffer.alloc(9 * 1024 * 1024, 'y') });
    source.changeWhileOpen.add('moving.bin');

    const { summary } = await run(
      source,
      destination,
      options({ destinationPath: 'site' }, { blockSize: 4 * 1024 * 1024 }),
    );
    assert.equal(summary.uploaded, 1);
    assert.deepEqual(summary.failures, [
      { name: 'moving.bin', reason: 'the file changed while it was being uploaded; nothing was committed' },
    ]);
    assert.equal(destination.calls('stage').filter((c) => c.blobName === 'site/big.bin').length, 3);
    assert.equal(destination.blobs.get('site/big.bin')?.headers.md5, md5(big));
    assert.ok(!destination.blobs.has('site/moving.bin'));
    assert.equal(destination.calls('commit').length, 1);
  });

  it('refuses a missing container unless it may create it, and a dry run creates nothing', async () => {
    const source = () => new MemorySource({ 'a.txt': 'a' });
    const missing = new MemoryDestination();
    missing.exists = false;
    await assert.rejects(run(source(), missing, options()), DestinationError);

    const dry = new MemoryDestination();
    dry.exists = false;
    await run(source(), dry, options({ dryRun: true, createContainer: true }));
    assert.equal(dry.calls('create').length, 0);

    const created = new MemoryDestination();
    created.exists = false;
    const { summary } = await run(source(), created, options({ createContainer: true }));
    assert.equal(created.calls('create').length, 1);
    assert.equal(summary.uploaded, 1);
  });
});
