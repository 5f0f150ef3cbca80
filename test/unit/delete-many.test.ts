import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthError } from '../../src/engine/errors.js';
import { resolveSyncOptions } from '../../src/engine/options.js';
import { sync } from '../../src/engine/sync.js';
import type { FileResult } from '../../src/engine/types.js';
import { BatchingMemoryDestination, MemorySource, serviceError } from '../support/memory.js';

const names = (count: number) => Array.from({ length: count }, (_, i) => `extra/${String(i).padStart(4, '0')}.txt`);

/** A destination holding `extras` blobs the source lacks, beside one file both have. */
function mirror(extras: number) {
  const destination = new BatchingMemoryDestination();
  for (const name of names(extras)) destination.seed(name, 'old');
  destination.seed('keep.txt', 'keep');
  return { destination, source: new MemorySource({ 'keep.txt': 'keep' }) };
}

async function run(destination: BatchingMemoryDestination, source: MemorySource, concurrency = '8') {
  const files: FileResult[] = [];
  const warnings: string[] = [];
  const options = resolveSyncOptions({ source: 'memory', deleteDestination: true, force: true, concurrency });
  const summary = await sync(
    options,
    { source, destination },
    { file: (result) => files.push(result), warning: (message) => warnings.push(message) },
  );
  return { summary, files, warnings };
}

describe('deleting extras many at a time', () => {
  it('hands the destination at most 256 blobs a call and counts each blob on its own', async () => {
    const { destination, source } = mirror(600);
    const { summary, files } = await run(destination, source);
    assert.deepEqual(
      [...destination.batchSizes].sort((a, b) => b - a),
      [256, 256, 88],
    );
    assert.equal(destination.calls('delete').length, 0, 'no single delete');
    assert.equal(summary.deleted, 600);
    assert.equal(files.filter((f) => f.action === 'deleted').length, 600, 'one result a blob');
    assert.deepEqual([...destination.blobs.keys()], ['keep.txt']);
  });

  it('leaves a blob changed since the listing alone, the others of its batch deleted', async () => {
    const { destination, source } = mirror(10);
    destination.beforeCall = (op, blobName) => {
      if (op === 'delete' && blobName === 'extra/0003.txt') destination.seed('extra/0003.txt', 'written meanwhile');
    };
    const { summary } = await run(destination, source);
    assert.equal(summary.deleted, 9);
    assert.deepEqual(summary.failures, [
      { name: 'extra/0003.txt', reason: 'changed since it was listed; not deleted' },
    ]);
    assert.equal(destination.blobs.get('extra/0003.txt')?.content.toString(), 'written meanwhile');
  });

  it("fails one blob with the service's reason, the rest of its batch deleted", async () => {
    const { destination, source } = mirror(5);
    destination.subFault = (name) => (name === 'extra/0001.txt' ? serviceError(500, 'InternalError') : undefined);
    const { summary } = await run(destination, source);
    assert.equal(summary.deleted, 4);
    assert.deepEqual(summary.failures, [{ name: 'extra/0001.txt', reason: '500: InternalError' }]);
  });

  it('falls back to one delete a blob when batches are refused, and says so once', async () => {
    const { destination, source } = mirror(700);
    destination.refuseBatches = true;
    const { summary, warnings } = await run(destination, source);
    assert.equal(summary.deleted, 700);
    assert.equal(destination.calls('delete').length, 700);
    assert.ok(destination.batchSizes.length >= 1 && destination.batchSizes.length <= 3);
    const said = warnings.filter((w) => /Blob Batch/.test(w));
    assert.equal(said.length, 1, warnings.join('\n'));
    assert.match(
      said[0]!,
      /not available here \(the service answered 400 InvalidInput\); the rest are deleted one by one/,
    );
  });

  it('stops the run when the credential is refused for a blob in a batch (403), as a single delete would', async () => {
    const { destination, source } = mirror(600);
    destination.subFault = () => serviceError(403, 'AuthorizationPermissionMismatch');
    // One batch at a time, so stopping early shows.
    await assert.rejects(run(destination, source, '1'), (error: unknown) => {
      assert.ok(error instanceof AuthError);
      assert.match(error.message, /refused to delete \(403: AuthorizationPermissionMismatch\)/);
      return true;
    });
    assert.equal(destination.batchSizes.length, 1, 'no batch after the refusal');
    assert.equal(destination.calls('delete').length, 0, 'no single delete after the refusal');
  });

  it('keeps deleting one by one where the destination has no batches', async () => {
    const destination = new BatchingMemoryDestination();
    Object.defineProperty(destination, 'deleteManyIfUnchanged', { value: undefined });
    for (const name of names(3)) destination.seed(name, 'old');
    const { summary } = await run(destination, new MemorySource({ 'keep.txt': 'keep' }));
    assert.equal(summary.deleted, 3);
    assert.equal(destination.calls('delete').length, 3);
  });
});
