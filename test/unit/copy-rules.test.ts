import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuardError } from '../../src/engine/errors.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { sync } from '../../src/engine/sync.js';
import type { FileResult, Plan } from '../../src/engine/types.js';
import { md5, MemoryBlobSource, MemoryDestination } from '../support/memory.js';

function options(raw: Partial<RawSyncOptions> = {}) {
  return resolveSyncOptions({ source: 'memory', concurrency: '8', ...raw });
}

async function run(source: MemoryBlobSource, destination: MemoryDestination, raw: Partial<RawSyncOptions> = {}) {
  const files: FileResult[] = [];
  let plan: Plan | undefined;
  const summary = await sync(
    options(raw),
    { source, destination },
    { file: (r) => files.push(r), plan: (p) => (plan = p) },
  );
  return { summary, files, plan };
}

describe('sync rules with a container folder as the source (in memory)', () => {
  it('has the service copy what is new or changed, opening nothing, and says "copied"', async () => {
    const source = new MemoryBlobSource({
      'index.html': { content: '<p>v2</p>', headers: { contentType: 'text/html', cacheControl: 'no-cache' } },
      'app.js': { content: 'same', headers: { contentType: 'text/javascript' } },
    });
    const destination = new MemoryDestination();
    destination.seed('index.html', '<p>v1</p>', { contentType: 'text/html', cacheControl: 'no-cache' });
    destination.seed('app.js', 'same', { contentType: 'text/javascript' });
    destination.seed('gone.js', 'x');

    const { summary, files, plan } = await run(source, destination, { deleteDestination: true });
    assert.equal(plan?.copies, true);
    assert.deepEqual(
      [summary.transfer, summary.copied, summary.uploaded, summary.skipped, summary.deleted],
      ['copy', 1, 0, 1, 1],
    );
    assert.equal(summary.bytesCopied, '<p>v2</p>'.length);
    assert.deepEqual(
      files.find((f) => f.name === 'index.html'),
      {
        action: 'copied',
        name: 'index.html',
        bytes: 9,
        reason: 'changed',
      },
    );
    assert.deepEqual(source.opened, []);
    assert.deepEqual(destination.calls('put'), []);
    const copied = destination.blobs.get('index.html')!;
    assert.equal(copied.content.toString(), '<p>v2</p>');
    const { contentType, cacheControl, md5: copiedMd5 } = copied.headers;
    assert.deepEqual([contentType, cacheControl, copiedMd5], ['text/html', 'no-cache', md5('<p>v2</p>')]);
  });

  it("keeps the source's headers where no rule matches, and applies the rules where one does", async () => {
    const source = new MemoryBlobSource({
      'data.bin': { content: 'd', headers: { contentType: 'application/x-custom', contentLanguage: 'fr' } },
      'page.html': { content: 'p', headers: { contentType: 'text/html', cacheControl: 'max-age=5' } },
    });
    const destination = new MemoryDestination();
    await run(source, destination, { cacheControl: ['**/*.html=no-cache'] });
    assert.equal(destination.blobs.get('data.bin')?.headers.contentType, 'application/x-custom');
    assert.equal(destination.blobs.get('data.bin')?.headers.contentLanguage, 'fr');
    assert.equal(destination.blobs.get('page.html')?.headers.cacheControl, 'no-cache');

    // Same content, a rule changed: the headers are set in place, nothing is copied.
    const { summary } = await run(source, destination, { cacheControl: ['**/*.html=max-age=60'] });
    assert.deepEqual([summary.copied, summary.updated, summary.skipped], [0, 1, 1]);
  });

  it('copies a source blob without an MD5 on every run: nothing proves its copy equal', async () => {
    const source = new MemoryBlobSource({ 'a.bin': { content: 'a', headers: { md5: undefined } }, 'b.bin': 'b' });
    const destination = new MemoryDestination();
    for (const expected of [2, 1, 1]) assert.equal((await run(source, destination)).summary.copied, expected);
  });

  it('a dry run counts the copies and sends nothing', async () => {
    const source = new MemoryBlobSource({ 'a.txt': 'a', 'b.txt': 'b' });
    const destination = new MemoryDestination();
    const { summary } = await run(source, destination, { dryRun: true });
    assert.deepEqual([summary.copied, summary.uploaded], [2, 0]);
    assert.deepEqual(destination.calls('copy'), []);
    assert.deepEqual(source.opened, []);
  });

  it('refuses deletes from a source folder that matched nothing, and a shrink over the threshold', async () => {
    const destination = new MemoryDestination();
    destination.seed('a.txt', 'a');
    destination.seed('b.txt', 'b');
    destination.seed('d.txt', 'd');
    await assert.rejects(run(new MemoryBlobSource({}), destination, { deleteDestination: true }), GuardError);
    await assert.rejects(
      run(new MemoryBlobSource({ 'c.txt': 'c' }), destination, { deleteDestination: true }),
      GuardError,
    );
    // 3 deployed, 1 left: a shrink of 67%, over the default 50%.
    assert.equal(destination.blobs.size, 3);
    assert.deepEqual(destination.calls('copy'), []);
  });

  it('fails a blob that changed after the listing, deleting nothing', async () => {
    const source = new MemoryBlobSource({ 'a.txt': 'a', 'b.txt': 'b' });
    const destination = new MemoryDestination();
    destination.seed('old.txt', 'o');
    destination.seed('older.txt', 'o');
    destination.beforeCall = (op, blobName) => {
      if (op === 'copy' && blobName === 'b.txt') source.set('b.txt', 'newer');
    };
    const { summary } = await run(source, destination, { deleteDestination: true, force: true });
    assert.deepEqual([summary.copied, summary.failed, summary.deleted], [1, 1, 0]);
    assert.match(summary.failures[0]!.reason, /changed during the copy/);
    assert.ok(destination.blobs.has('old.txt'));
  });
});
