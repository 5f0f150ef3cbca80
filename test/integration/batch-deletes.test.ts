import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { resolveSyncOptions } from '../../src/engine/options.js';
import type { RemoteBlob, SyncEvents } from '../../src/engine/types.js';
import { BlobFolders } from '../../src/storage/blob-folders.js';
import { connectContainer } from '../../src/storage/connect.js';
import { ContainerDestination } from '../../src/storage/container-destination.js';
import { LocalFolderSource } from '../../src/engine/local/local-folder.js';
import { sync } from '../../src/engine/sync.js';
import { useAzurite } from '../support/azurite.js';
import { connectionStringVia, type Fault, startFaultProxy } from '../support/fault-proxy.js';
import { blobState, makeTree } from '../support/files.js';

const azurite = useAzurite({ keepAccessLog: true });

/** Puts `names` into the container (each a byte long), a few at a time. */
async function seed(container: ContainerClient, names: readonly string[]): Promise<void> {
  for (let i = 0; i < names.length; i += 32) {
    await Promise.all(names.slice(i, i + 32).map((name) => container.uploadBlockBlob(name, 'x', 1)));
  }
}

/** The listed blobs, as a sync sees them: names, sizes and etags. */
async function listed(container: ContainerClient): Promise<Map<string, RemoteBlob>> {
  const blobs = new Map<string, RemoteBlob>();
  for await (const blob of container.listBlobsFlat()) {
    const remote = { name: blob.name, blobName: blob.name, size: 1, etag: blob.properties.etag };
    blobs.set(blob.name, remote);
  }
  return blobs;
}

/** The length of Azurite's access log once it has caught up with the requests answered so far. */
async function settledLog(): Promise<number> {
  const log = azurite.azurite.accessLog;
  let length = -1;
  while (length !== log.length) {
    length = log.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return length;
}

/** Azurite's access-log lines for this container from `from` on, once the log has caught up. */
async function requestsTo(container: ContainerClient, from: number): Promise<string[]> {
  await settledLog();
  return azurite.azurite.accessLog.slice(from).filter((line) => line.includes(`/${container.containerName}`));
}

const isBatch = (line: string) => /"POST \S+comp=batch\S* HTTP/.test(line);
const isDelete = (line: string) => line.includes('"DELETE ');

/** A sync of `files` into the container with --delete-destination, through `connectionString` when given. */
async function mirror(
  container: ContainerClient,
  files: Record<string, string>,
  options: { connectionString?: string; concurrency?: string; events?: SyncEvents; maxTries?: number } = {},
) {
  const auth = {
    kind: 'connection-string',
    connectionString: options.connectionString ?? azurite.azurite.connectionString,
  } as const;
  const target = connectContainer(auth, container.containerName, { maxTries: options.maxTries });
  const syncOptions = resolveSyncOptions({
    source: makeTree(files),
    deleteDestination: true,
    force: true,
    concurrency: options.concurrency,
  });
  const source = await LocalFolderSource.open(syncOptions.source);
  return sync(syncOptions, { source, destination: new ContainerDestination(target, '') }, options.events);
}

describe('deletes in Blob Batch requests, against Azurite', () => {
  it('answers for each blob of one batch on its own: deleted, changed since listed, already gone, odd names', async () => {
    const container = await azurite.newContainer();
    const names = ['a.txt', 'b c/d%e.txt', 'x#y?.txt', "it's.txt", 'ünï/ç.txt', 'changed.txt', 'gone.txt'];
    await seed(container, names);
    const blobs = await listed(container);
    await container.uploadBlockBlob('changed.txt', 'new', 3);
    await container.deleteBlob('gone.txt');
    // Without an etag, a delete is unconditional: a blob that is gone answers 404.
    const gone = { ...blobs.get('gone.txt')!, etag: undefined };
    const destination = new ContainerDestination(
      connectContainer(
        { kind: 'connection-string', connectionString: azurite.azurite.connectionString },
        container.containerName,
      ),
      '',
    );
    const from = await settledLog();
    const answer = await destination.deleteManyIfUnchanged(
      names.map((name) => (name === 'gone.txt' ? gone : blobs.get(name)!)),
    );
    assert.ok('outcomes' in answer, JSON.stringify(answer));
    assert.deepEqual(answer.outcomes, ['deleted', 'deleted', 'deleted', 'deleted', 'deleted', 'changed', 'absent']);
    assert.deepEqual([...(await blobState(container)).keys()], ['changed.txt'], 'the changed blob is left alone');
    const lines = await requestsTo(container, from);
    assert.equal(lines.filter(isBatch).length, 1, lines.join('\n'));
    assert.equal(lines.filter(isDelete).length, 0, 'no single delete');
  });

  it('mirrors away 600 extras in 3 requests, 256 at most each, and leaves a blob changed meanwhile alone', async () => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    const extras = Array.from({ length: 600 }, (_, i) => `old/${String(i).padStart(3, '0')}.txt`);
    await seed(container, [...extras, 'keep.txt']);
    // The batches wait a moment at the proxy; meanwhile another writer replaces one of the extras.
    proxy.setRules([{ method: 'POST', query: /comp=batch/, fault: { kind: 'delay', ms: 1500 } }]);
    const from = await settledLog();
    const running = mirror(
      container,
      { 'keep.txt': 'x' },
      {
        connectionString: connectionStringVia(proxy, azurite.azurite),
      },
    );
    await proxy.waitFor((requests) => requests.some((r) => r.method === 'POST'));
    await container.uploadBlockBlob('old/123.txt', 'written meanwhile', 17);
    const summary = await running;

    assert.equal(summary.deleted, 599);
    assert.deepEqual(summary.failures, [{ name: 'old/123.txt', reason: 'changed since it was listed; not deleted' }]);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['keep.txt', 'old/123.txt']);
    const lines = await requestsTo(container, from);
    assert.equal(lines.filter(isBatch).length, 3, 'one request per 256 deletes at most');
    assert.equal(lines.filter(isDelete).length, 0, 'no single delete');
  });

  const refusals: [string, Fault][] = [
    [
      'a 400 (an emulator or gateway that does not know batches)',
      { kind: 'status', status: 400, code: 'InvalidQueryParameterValue' },
    ],
    [
      'a 403 on the batch alone (a path that does not allow it)',
      { kind: 'status', status: 403, code: 'AuthorizationFailure' },
    ],
    ['a 501', { kind: 'status', status: 501, code: 'NotImplemented' }],
    ['a 500 that lasts (as Azurite answers a batch under an account SAS)', { kind: 'status', status: 500 }],
    ['a 202 whose body is no batch answer (a proxy that broke it)', { kind: 'status', status: 202 }],
  ];
  for (const [label, fault] of refusals) {
    it(`falls back to one delete a blob after ${label}, and says so once`, async () => {
      const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
      after(() => proxy.stop());
      const container = await azurite.newContainer();
      const extras = Array.from({ length: 300 }, (_, i) => `old/${i}.txt`);
      await seed(container, [...extras, 'keep.txt']);
      proxy.setRules([{ method: 'POST', query: /comp=batch/, fault }]);
      const warnings: string[] = [];
      const summary = await mirror(
        container,
        { 'keep.txt': 'x' },
        {
          connectionString: connectionStringVia(proxy, azurite.azurite),
          events: { warning: (message) => warnings.push(message) },
          // A server error is retried first; two tries keep the test short.
          maxTries: 2,
        },
      );
      assert.equal(summary.deleted, 300);
      assert.equal(summary.failed, 0);
      assert.deepEqual([...(await blobState(container)).keys()], ['keep.txt']);
      const batches = proxy.requests.filter((r) => r.method === 'POST').length;
      assert.ok(batches >= 1 && batches <= 4, `${batches} batch requests (two groups, two tries at most)`);
      assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 300);
      const said = warnings.filter((w) => w.includes('Blob Batch'));
      assert.equal(said.length, 1, warnings.join('\n'));
      assert.match(said[0]!, /not available here \(.+\); the rest are deleted one by one/);
    });
  }

  it('still stops the run when the credential may not delete (403 for each blob, then for the single delete)', async () => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    await seed(container, ['old.txt', 'keep.txt']);
    proxy.setRules([
      {
        method: 'POST',
        query: /comp=batch/,
        fault: { kind: 'status', status: 403, code: 'AuthorizationPermissionMismatch' },
      },
      { method: 'DELETE', fault: { kind: 'status', status: 403, code: 'AuthorizationPermissionMismatch' } },
    ]);
    await assert.rejects(
      mirror(container, { 'keep.txt': 'x' }, { connectionString: connectionStringVia(proxy, azurite.azurite) }),
      /refused to delete \(403 AuthorizationPermissionMismatch/,
    );
    assert.ok((await blobState(container)).has('old.txt'));
  });
});

describe('removing a folder (previews), against Azurite', () => {
  it('removes 300 blobs in 2 batch requests', async () => {
    const container = await azurite.newContainer();
    await seed(container, [...Array.from({ length: 300 }, (_, i) => `pr-7/${i}.txt`), 'pr-8/index.html']);
    const folders = new BlobFolders(container);
    const blobs = await folders.listBlobs('pr-7');
    const removed: string[] = [];
    const from = await settledLog();
    await folders.remove(blobs, (blob) => removed.push(blob.name));
    assert.equal(removed.length, 300);
    assert.deepEqual([...(await blobState(container)).keys()], ['pr-8/index.html']);
    const lines = await requestsTo(container, from);
    assert.equal(lines.filter(isBatch).length, 2);
    assert.equal(lines.filter(isDelete).length, 0);
  });

  it('falls back to single deletes where batches are refused, and says so once', async () => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    await seed(
      container,
      Array.from({ length: 300 }, (_, i) => `pr-7/${i}.txt`),
    );
    proxy.setRules([
      { method: 'POST', query: /comp=batch/, fault: { kind: 'status', status: 400, code: 'InvalidInput' } },
    ]);
    const target = connectContainer(
      { kind: 'connection-string', connectionString: connectionStringVia(proxy, azurite.azurite) },
      container.containerName,
    );
    const warnings: string[] = [];
    const folders = new BlobFolders(target.container, (message) => warnings.push(message));
    let removed = 0;
    await folders.remove(await folders.listBlobs('pr-7'), () => removed++);
    assert.equal(removed, 300);
    assert.equal((await blobState(container)).size, 0);
    assert.equal(warnings.length, 1);
    assert.equal(proxy.requests.filter((r) => r.method === 'DELETE').length, 300);
  });
});
