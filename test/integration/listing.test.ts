import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContainerSASPermissions, ContainerClient } from '@azure/storage-blob';
import { listRemote } from '../../src/storage/listing/listing.js';
import type { RemoteBlob } from '../../src/engine/types.js';
import { useAzurite } from '../support/azurite.js';

const azurite = useAzurite();
const LIMITS = { tryTimeoutMs: 10_000, maxTries: 2, pageSize: 3 };

/** Names that trip up URL and XML handling, inside and outside the listed folder. */
const NAMES = [
  'site/index.html',
  'site/ünïcödé/100% #1?.txt',
  'site/Tom & Jerry <3>.txt',
  'site/a b/c  d.css',
  'site/quote\'"s.js',
  'site/deep/er/still/deeper.bin',
  'site/+plus+.txt',
  'sitemap.xml',
  'other/index.html',
];

describe('listing the container', () => {
  it('lists every blob under the folder across pages, as the SDK sees them, leaving directory stubs out', async () => {
    const container = await azurite.newContainer();
    for (const [i, name] of NAMES.entries()) {
      await container.getBlockBlobClient(name).upload(`content ${i}`, 9 + String(i).length, {
        blobHTTPHeaders: {
          blobContentType: i % 2 ? 'text/plain' : 'text/html; charset=utf-8',
          blobCacheControl: i === 0 ? 'no-cache' : undefined,
          blobContentLanguage: i === 1 ? 'de' : undefined,
          blobContentDisposition: i === 2 ? 'attachment' : undefined,
          blobContentEncoding: i === 3 ? 'identity' : undefined,
        },
        metadata: i === 4 ? { Name: 'not a name', Etag: 'not an etag' } : undefined,
      });
    }
    await container.getBlockBlobClient('site/stub').upload('', 0, { metadata: { hdi_isfolder: 'true' } });
    await container.getBlockBlobClient('site/slashed/').upload('', 0);

    const expected = new Map<string, RemoteBlob>();
    for await (const item of container.listBlobsFlat({ prefix: 'site/' })) {
      if (item.name === 'site/stub' || item.name.endsWith('/')) continue;
      const p = item.properties;
      const blob: RemoteBlob = {
        name: item.name.slice('site/'.length),
        blobName: item.name,
        size: p.contentLength!,
        md5: Buffer.from(p.contentMD5!).toString('base64'),
        etag: p.etag,
        contentType: p.contentType,
        cacheControl: p.cacheControl,
        contentEncoding: p.contentEncoding,
        contentLanguage: p.contentLanguage,
        contentDisposition: p.contentDisposition,
      };
      expected.set(blob.name, JSON.parse(JSON.stringify(blob)) as RemoteBlob);
    }
    assert.equal(expected.size, 7);

    assert.deepEqual(await listRemote(container, 'site', LIMITS), expected);

    const sasUrl = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse('rl'),
      expiresOn: new Date(Date.now() + 3600_000),
    });
    assert.deepEqual(await listRemote(new ContainerClient(sasUrl), 'site', LIMITS), expected);
    assert.equal((await listRemote(container, '', LIMITS)).size, NAMES.length);
  });

  it("leaves the tool's own state out at any depth, so a sync never deletes or counts it", async () => {
    const container = await azurite.newContainer();
    const names = [
      'site/index.html',
      'site/.azure-blob-sync/grace.json',
      'site/pr-3/.azure-blob-sync/deployed.json',
      'site/pr-3/index.html',
      'site/.azure-blob-syncing/real-file.txt',
      'site/docs/x.azure-blob-sync/real-file.txt',
    ];
    for (const name of names) await container.uploadBlockBlob(name, 'x', 1);
    assert.deepEqual([...(await listRemote(container, 'site', LIMITS)).keys()].sort(), [
      '.azure-blob-syncing/real-file.txt',
      'docs/x.azure-blob-sync/real-file.txt',
      'index.html',
      'pr-3/index.html',
    ]);
    assert.deepEqual([...(await listRemote(container, 'site/pr-3', LIMITS)).keys()], ['index.html']);
  });

  it('fails like the SDK on a container that does not exist', async () => {
    const missing = azurite.service.getContainerClient('never-created');
    await assert.rejects(listRemote(missing, '', LIMITS), { statusCode: 404, code: 'ContainerNotFound' });
  });
});
