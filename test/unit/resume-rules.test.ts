import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { sync } from '../../src/engine/sync.js';
import { CANNOT_RESUME } from '../../src/engine/transfer/resume.js';
import type { FileResult, SyncOptions } from '../../src/engine/types.js';
import { pseudoRandomBytes } from '../support/files.js';
import { md5, MemoryDestination, MemorySource, serviceError } from '../support/memory.js';

const MiB = 1024 * 1024;
/** Small blocks, so a file just over the single-put size (8 MiB) is many blocks. */
const BLOCK = 1 * MiB;
const LARGE = 8 * MiB;

function options(raw: Partial<RawSyncOptions> = {}): SyncOptions {
  return { ...resolveSyncOptions({ source: 'memory', concurrency: '4', ...raw }), blockSize: BLOCK };
}

async function run(source: MemorySource, destination: MemoryDestination, opts: SyncOptions = options()) {
  const files: FileResult[] = [];
  const warnings: string[] = [];
  const summary = await sync(
    opts,
    { source, destination },
    { file: (result) => files.push(result), warning: (message) => warnings.push(message) },
  );
  return { summary, files, warnings };
}

/** A run cut off after `blocks` blocks were staged, as a killed process leaves it (each later Put Block fails). */
async function interrupted(destination: MemoryDestination, files: Record<string, Buffer>, blocks: number) {
  let staged = 0;
  destination.fault = (op) => (op === 'stage' && ++staged > blocks ? serviceError(500) : undefined);
  const { summary } = await run(new MemorySource(files), destination);
  destination.fault = undefined;
  assert.ok(summary.failed > 0, 'the interrupted run did not finish');
}

const stagedNames = (destination: MemoryDestination, blobName: string) =>
  destination.calls('stage').filter((call) => call.blobName === blobName);

describe('resuming large uploads and conditional commits (in memory)', () => {
  it('stages only the blocks an interrupted run left out, and counts bytes resumed and sent', async () => {
    const big = pseudoRandomBytes(10 * MiB + 5, 3);
    const destination = new MemoryDestination();
    await interrupted(destination, { 'big.bin': big }, 6);
    const before = destination.calls('stage').length;

    const { summary } = await run(new MemorySource({ 'big.bin': big }), destination);
    assert.equal(summary.uploaded, 1);
    assert.equal(destination.calls('stage').length - before, 5, '11 blocks, 6 already staged');
    assert.equal(summary.bytesResumed, 6 * BLOCK);
    assert.equal(summary.bytesSent, big.length - 6 * BLOCK);
    assert.equal(summary.bytesUploaded, big.length);
    assert.ok(destination.blobs.get('big.bin')!.content.equals(big), 'the blob is the file, byte for byte');
    assert.equal(destination.blobs.get('big.bin')!.headers.md5, md5(big));
  });

  it('sends again the staged blocks whose content changed since', async () => {
    const big = pseudoRandomBytes(LARGE + 2 * MiB, 4);
    const destination = new MemoryDestination();
    await interrupted(destination, { 'big.bin': big }, 4);
    const edited = Buffer.from(big);
    edited[BLOCK + 10] = edited[BLOCK + 10]! ^ 0xff; // block 1 changed, blocks 0, 2, 3 as staged
    const before = destination.calls('stage').length;

    const { summary } = await run(new MemorySource({ 'big.bin': edited }), destination);
    assert.equal(summary.uploaded, 1);
    assert.equal(destination.calls('stage').length - before, 7, 'block 1 again, blocks 4 to 9');
    assert.equal(summary.bytesResumed, 3 * BLOCK);
    assert.ok(destination.blobs.get('big.bin')!.content.equals(edited));
  });

  it("stages beside another tool's leftover blocks of other ID lengths, and the commit drops them", async () => {
    const big = pseudoRandomBytes(LARGE + 1, 5);
    for (const foreignId of ['YWFhYQ==', Buffer.alloc(48, 7).toString('base64')]) {
      const destination = new MemoryDestination();
      destination.seedStaged('big.bin', foreignId, Buffer.from('not ours'));
      const { summary } = await run(new MemorySource({ 'big.bin': big }), destination);
      assert.equal(summary.failed, 0, foreignId);
      assert.equal(summary.bytesResumed, 0);
      for (const call of stagedNames(destination, 'big.bin')) assert.ok(call.finished, 'every stage accepted');
      assert.ok(destination.blobs.get('big.bin')!.content.equals(big));
      assert.deepEqual(await destination.stagedBlocks('big.bin'), [], 'the commit discarded the rest');
    }
  });

  it('resumes its own blocks staged beside leftovers of another length', async () => {
    const big = pseudoRandomBytes(LARGE + 3, 6);
    const destination = new MemoryDestination();
    destination.seedStaged('big.bin', Buffer.alloc(48, 7).toString('base64'), Buffer.from('not ours'));
    await interrupted(destination, { 'big.bin': big }, 3);
    const { summary } = await run(new MemorySource({ 'big.bin': big }), destination);
    assert.equal(summary.bytesResumed, 3 * BLOCK);
    assert.ok(destination.blobs.get('big.bin')!.content.equals(big));
  });

  it('says once that it cannot resume without read permission, and uploads whole files', async () => {
    const files = { 'one.bin': pseudoRandomBytes(LARGE + 1, 7), 'two.bin': pseudoRandomBytes(LARGE + 1, 8) };
    const destination = new MemoryDestination();
    await interrupted(destination, files, 2);
    destination.mayRead = false;
    const before = destination.calls('stage').length;
    const asked = destination.calls('stagedBlocks').length;
    const { summary, warnings } = await run(new MemorySource(files), destination);
    assert.equal(summary.uploaded, 2);
    assert.deepEqual(warnings, [CANNOT_RESUME]);
    assert.equal(destination.calls('stage').length - before, 18, 'every block of both');
    assert.equal(summary.bytesResumed, 0);
    assert.ok(destination.calls('stagedBlocks').length - asked <= 2, 'not asked again once refused');
  });

  it('fails a file, saying why, when leftover blocks of another length cannot be read (no r)', async () => {
    const destination = new MemoryDestination();
    destination.seedStaged('big.bin', 'YWFhYQ==', Buffer.from('not ours'));
    destination.mayRead = false;
    const { summary } = await run(new MemorySource({ 'big.bin': pseudoRandomBytes(LARGE + 1, 9) }), destination);
    assert.equal(summary.failed, 1);
    assert.match(summary.failures[0]!.reason, /uncommitted blocks another tool left.*a SAS needs r/);
    assert.ok(!destination.blobs.has('big.bin'));
  });

  it('commits a new blob only where none appeared meanwhile, and a changed one only as listed', async () => {
    const big = pseudoRandomBytes(LARGE + 3, 10);
    const fresh = new MemoryDestination();
    fresh.beforeCall = (op, name) => {
      if (op === 'commit' && name === 'big.bin') fresh.seed('big.bin', 'another writer');
    };
    const created = await run(new MemorySource({ 'big.bin': big }), fresh);
    assert.equal(created.summary.failed, 1);
    assert.match(created.summary.failures[0]!.reason, /another writer created this blob since the listing/);
    assert.equal(created.summary.conflicts, 0, 'only --immutable counts conflicts');
    assert.equal(fresh.blobs.get('big.bin')!.content.toString(), 'another writer');

    // Same size, other content: the file is hashed to tell, and its etag kept for the commit.
    const listed = new MemoryDestination();
    listed.seed('big.bin', pseudoRandomBytes(big.length, 11).toString('latin1'));
    listed.blobs.get('big.bin')!.content = pseudoRandomBytes(big.length, 11);
    listed.beforeCall = (op) => {
      if (op === 'commit') listed.seed('big.bin', 'replaced meanwhile');
    };
    const changed = await run(new MemorySource({ 'big.bin': big }), listed);
    assert.equal(changed.summary.failed, 1);
    assert.match(changed.summary.failures[0]!.reason, /the blob changed since it was listed/);
    assert.equal(listed.blobs.get('big.bin')!.content.toString(), 'replaced meanwhile');
  });

  it('takes a refused commit as done when another run committed the same content meanwhile', async () => {
    const big = pseudoRandomBytes(LARGE + 3, 12);
    const destination = new MemoryDestination();
    destination.beforeCall = (op) => {
      if (op === 'commit')
        destination.blobs.set('big.bin', {
          content: big,
          headers: { contentType: 'x', md5: md5(big) },
          etag: '"other"',
        });
    };
    const details: string[] = [];
    const summary = await sync(
      options(),
      { source: new MemorySource({ 'big.bin': big }), destination },
      {
        detail: (message) => details.push(message),
      },
    );
    assert.deepEqual([summary.uploaded, summary.failed], [1, 0]);
    assert.match(details.join('\n'), /big\.bin: a conditional write found this very content there/);
  });
});

describe('--immutable (in memory)', () => {
  const immutable = (raw: Partial<RawSyncOptions> = {}) => options({ immutable: true, ...raw });

  it('passes a re-run whose files are all there already, and writes new blobs only where none is', async () => {
    const destination = new MemoryDestination();
    const files = { 'v1/app.js': 'console.log(1)', 'v1/big.bin': pseudoRandomBytes(LARGE + 1, 13) };
    const first = await run(new MemorySource(files), destination, immutable());
    assert.deepEqual([first.summary.uploaded, first.summary.failed], [2, 0]);
    const second = await run(new MemorySource(files), destination, immutable());
    assert.deepEqual([second.summary.uploaded, second.summary.skipped, second.summary.failed], [0, 2, 0]);
  });

  it('fails each file whose blob differs, naming it, and writes nothing for it', async () => {
    const destination = new MemoryDestination();
    destination.seed('app.js', 'console.log(1)', { contentType: 'text/javascript; charset=utf-8' });
    destination.seed('notes.txt', 'old notes', { contentType: 'text/plain; charset=utf-8' });
    destination.seed('style.css', 'body{}', { contentType: 'text/plain' }); // same content, other headers
    const source = new MemorySource({
      'app.js': 'console.log(1)',
      'notes.txt': 'new notes',
      'style.css': 'body{}',
      'new.txt': 'new',
    });
    const { summary } = await run(source, destination, immutable());
    assert.deepEqual([summary.uploaded, summary.skipped, summary.failed, summary.conflicts], [1, 1, 2, 2]);
    assert.deepEqual(
      summary.failures.map((f) => f.name),
      ['notes.txt', 'style.css'],
    );
    assert.match(summary.failures[0]!.reason, /differs from the blob already there; left as it is/);
    assert.match(summary.failures[1]!.reason, /other headers/);
    assert.equal(destination.blobs.get('notes.txt')!.content.toString(), 'old notes');
    assert.deepEqual(
      destination.operations.filter((o) => o.op !== 'list').map((o) => [o.op, o.blobName]),
      [['put', 'new.txt']],
    );
  });

  it('loses no race: a blob another publisher wrote meanwhile is not overwritten, the same content passes', async () => {
    const destination = new MemoryDestination();
    destination.beforeCall = (op, name) => {
      if (op === 'put' && name === 'a.txt') destination.seed('a.txt', 'theirs');
      if (op === 'put' && name === 'b.txt') destination.seed('b.txt', 'same');
      if (op === 'commit' && name === 'c.bin') destination.seed('c.bin', 'theirs too');
    };
    const source = new MemorySource({ 'a.txt': 'ours', 'b.txt': 'same', 'c.bin': pseudoRandomBytes(LARGE + 1, 14) });
    const { summary } = await run(source, destination, immutable());
    assert.deepEqual([summary.uploaded, summary.failed, summary.conflicts], [1, 2, 2]);
    assert.equal(destination.blobs.get('a.txt')!.content.toString(), 'theirs');
    assert.equal(destination.blobs.get('c.bin')!.content.toString(), 'theirs too');
  });

  it('refuses delete-destination and compare none, which contradict it', () => {
    assert.throws(() => immutable({ deleteDestination: true }), UsageError);
    assert.throws(() => immutable({ compare: 'none' }), UsageError);
    assert.doesNotThrow(() => immutable({ compare: 'size' }));
  });
});
