import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes, writeFile } from '../support/files.js';

const azurite = useAzurite();

function sasUrl(container: ContainerClient, permissions: string): string {
  const { accountName, accountKey } = azurite.azurite;
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container.containerName,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn: new Date(Date.now() - 3600_000),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(accountName, accountKey),
  ).toString();
  return `${container.url}/site?${sas}`;
}

/**
 * Everything a run sends, with the SAS the README asks for: new blobs, a block upload (stage + commit), a changed
 * blob overwritten, headers set in place, an access tier, and, with `d`, deletes. `c` (create) adds nothing: `w`
 * already creates; `r` is never needed.
 */
async function everyKindOfWrite(permissions: string, deletes: boolean): Promise<void> {
  const container = await azurite.newContainer();
  await container.uploadBlockBlob('site/changed.txt', 'old', 3);
  await container.uploadBlockBlob('site/page.html', '<p>same</p>', 11, {
    blobHTTPHeaders: { blobContentType: 'text/html; charset=utf-8' },
  });
  await container.uploadBlockBlob('site/extra.txt', 'extra', 5);
  const source = makeTree({ 'changed.txt': 'new', 'page.html': '<p>same</p>', 'new.txt': 'n' });
  const big = pseudoRandomBytes(9 * 1024 * 1024 + 3);
  writeFile(source, 'big.bin', big);
  const flags = ['--cache-control', '*.html=no-cache', '--access-tier', 'Cool', '--json'];
  if (deletes) flags.push('--delete-destination');

  const run = await runCli([source, sasUrl(container, permissions), ...flags]);
  assert.equal(run.code, 0, run.stderr);
  const summary = jsonSummary(run);
  assert.deepEqual(
    [summary.uploaded, summary.updated, summary.deleted, summary.failed],
    [3, 1, deletes ? 1 : 0, 0],
    `with sp=${permissions}`,
  );
  const state = await blobState(container);
  assert.equal(state.has('site/extra.txt'), !deletes);
  assert.equal(state.get('site/big.bin')?.md5, md5Base64(big));
  assert.equal(state.get('site/changed.txt')?.md5, md5Base64('new'));
  assert.equal(state.get('site/page.html')?.cacheControl, 'no-cache');
  assert.equal((await container.getBlobClient('site/new.txt').getProperties()).accessTier, 'Cool');

  const again = await runCli([source, sasUrl(container, permissions), ...flags]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(jsonSummary(again).skipped, 4);
}

describe('the least SAS permissions a sync needs, against Azurite', () => {
  it('mirrors without deletes with a wcl SAS, and with wl, the least the README asks for', async () => {
    await everyKindOfWrite('wcl', false);
    await everyKindOfWrite('wl', false);
  });

  it('mirrors with deletes with a wcld SAS, and with wdl', async () => {
    await everyKindOfWrite('wcld', true);
    await everyKindOfWrite('wdl', true);
  });

  it('refuses up front a SAS that lacks w, or d for deletes, asking for no more than it needs', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'a.txt': 'a' });
    const noWrite = await runCli([source, sasUrl(container, 'cl')]);
    assert.equal(noWrite.code, 3, noWrite.stderr);
    assert.match(
      noWrite.stderr,
      /grants "cl" but this sync also needs write \(w\)\. .*sp=wl, e\.g\. .*--permissions wl\.$/m,
    );
    const noDelete = await runCli([source, sasUrl(container, 'wcl'), '--delete-destination']);
    assert.equal(noDelete.code, 3, noDelete.stderr);
    assert.match(
      noDelete.stderr,
      /grants "cwl" but this sync also needs delete \(d\)\. .*sp=wdl, e\.g\. .*--permissions wdl\.$/m,
    );
    assert.equal((await blobState(container)).size, 0);
  });
});
