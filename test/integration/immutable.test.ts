import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { resolveSyncOptions } from '../../src/engine/options.js';
import type { SyncSummary } from '../../src/engine/types.js';
import { accountsOf } from '../support/accounts.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';
import { syncFolder } from '../support/folder-sync.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;

describe('--immutable against Azurite', () => {
  it('publishes with a SAS that may not read, passes an identical re-run, and fails a changed file unwritten (exit 7)', async () => {
    const container = await azurite.newContainer();
    const release = { 'app-1.0.tar.gz': pseudoRandomBytes(9 * MiB + 1, 31), 'notes.txt': 'first notes' };
    const source = makeTree(release);
    const url = `${container.url}/releases/v1.0?${accountsOf(azurite).sas(container, 'wl')}`;

    const first = await runCli([source, url, '--immutable', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).uploaded, 2);
    const published = await blobState(container);

    const again = await runCli([source, url, '--immutable', '--json']);
    assert.equal(again.code, 0, again.stderr);
    const rerun = JSON.parse(again.stdout) as SyncSummary;
    assert.deepEqual([rerun.uploaded, rerun.skipped, rerun.failed, rerun.conflicts], [0, 2, 0, 0]);

    writeFileSync(path.join(source, 'notes.txt'), 'edited notes');
    writeFileSync(path.join(source, 'checksums.txt'), 'new file');
    const changed = await runCli([source, url, '--immutable', '--json']);
    assert.equal(changed.code, 7, changed.stderr);
    const summary = JSON.parse(changed.stdout) as SyncSummary;
    assert.deepEqual([summary.uploaded, summary.skipped, summary.failed, summary.conflicts], [1, 1, 1, 1]);
    assert.deepEqual(
      summary.failures.map((f) => f.name),
      ['notes.txt'],
    );
    assert.match(changed.stderr, /notes\.txt: differs from the blob already there; left as it is/);
    const after = await blobState(container);
    assert.deepEqual(after.get('releases/v1.0/notes.txt'), published.get('releases/v1.0/notes.txt'), 'not written');
    assert.equal(after.get('releases/v1.0/checksums.txt')?.md5, md5Base64('new file'), 'new files still arrive');

    const text = await runCli([source, url, '--immutable']);
    assert.equal(text.code, 7);
    assert.match(text.stdout, /1 file\(s\) differ from the blobs already there; the destination is immutable/);
  });

  it('refuses delete-destination with it before anything is sent', async () => {
    const container = await azurite.newContainer();
    const result = await runCli(
      [makeTree({ 'a.txt': 'a' }), '--container', container.containerName, '--immutable', '--delete-destination'],
      { env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString } },
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--immutable and --delete-destination contradict each other/);
    assert.deepEqual([...(await blobState(container)).keys()], []);
  });

  it("copies from a container folder only where no blob is, and fails a source blob that differs from the release's", async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('staging/app.js', 'v1', 2, { blobHTTPHeaders: { blobContentMD5: md5('v1') } });
    const sas = accountsOf(azurite).sas(container, 'rwl');
    const args = [`${container.url}/staging?${sas}`, `${container.url}/release?${sas}`, '--immutable', '--json'];
    assert.equal((await runCli(args)).code, 0);
    assert.equal(JSON.parse((await runCli(args)).stdout).skipped, 1);
    await container.uploadBlockBlob('staging/app.js', 'v2', 2, { blobHTTPHeaders: { blobContentMD5: md5('v2') } });
    const changed = await runCli(args);
    assert.equal(changed.code, 7, changed.stderr);
    assert.equal((await container.getBlobClient('release/app.js').downloadToBuffer()).toString(), 'v1');
  });
});

function md5(text: string): Uint8Array {
  return Buffer.from(md5Base64(text), 'base64');
}

describe('--immutable: two publishers at once', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl);
  });
  after(() => proxy.stop());

  it("never overwrite each other: each blob is one publisher's whole, the other fails; the same content passes", async () => {
    const { accountName, accountKey } = azurite.azurite;
    const made = await azurite.newContainer();
    // Through the proxy, which holds every write a moment, so both listings end before either writes.
    const container = new ContainerClient(
      `${proxy.serviceUrl}/${made.containerName}`,
      new StorageSharedKeyCredential(accountName, accountKey),
    );
    proxy.setRules([{ method: 'PUT', fault: { kind: 'delay', ms: 300 } }]);
    const versions = ['A', 'B'].map((v, i) =>
      makeTree({
        'small.txt': `small ${v}`,
        'big.bin': pseudoRandomBytes(9 * MiB, 40 + i),
        'same.txt': 'identical in both',
      }),
    );
    const results = await Promise.all(
      versions.map((source) =>
        syncFolder(resolveSyncOptions({ source, immutable: true, concurrency: '4' }), {
          container,
          label: made.url,
        }),
      ),
    );
    proxy.setRules([]);
    assert.deepEqual(
      results.map((s) => s.uploaded + s.skipped + s.failed),
      [3, 3],
    );
    assert.equal(results[0]!.conflicts + results[1]!.conflicts, 2, 'small.txt and big.bin lost by one publisher each');
    assert.equal(results[0]!.failed + results[1]!.failed, 2);
    for (const result of results) {
      for (const failure of result.failures) {
        assert.match(failure.reason, /another writer created this blob since the listing, with other content/);
      }
    }
    const state = await blobState(made);
    for (const name of ['small.txt', 'big.bin']) {
      const winner = results.findIndex((s) => !s.failures.some((f) => f.name === name));
      const content = name === 'small.txt' ? `small ${'AB'[winner]}` : pseudoRandomBytes(9 * MiB, 40 + winner);
      assert.equal(state.get(name)?.md5, md5Base64(content), `${name} is the winner's, whole`);
      const blob = await made.getBlobClient(name).downloadToBuffer();
      assert.equal(md5Base64(blob), md5Base64(content));
    }
    assert.equal(state.get('same.txt')?.md5, md5Base64('identical in both'));
  });
});
