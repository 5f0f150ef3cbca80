import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlobSASPermissions, type ContainerClient } from '@azure/storage-blob';
import type { CopyRequest } from '../../src/engine/ports/destination.js';
import { ContainerDestination } from '../../src/storage/container-destination.js';
import { useAzurite } from '../support/azurite.js';
import { md5Base64, pseudoRandomBytes } from '../support/files.js';

const MiB = 1024 * 1024;
const azurite = useAzurite();

/** Limits lowered so small blobs take the calls that serve large ones on Azure. */
const LIMITS = { syncCopyMax: 1 * MiB, putFromUrlMax: 4 * MiB, pollIntervalMs: 50 };

async function sourceBlob(container: ContainerClient, name: string, size: number) {
  const body = pseudoRandomBytes(size, size);
  const md5 = md5Base64(body);
  const blob = container.getBlockBlobClient(name);
  const { etag } = await blob.uploadData(body, {
    blobHTTPHeaders: {
      blobContentMD5: Buffer.from(md5, 'base64'),
      blobContentType: 'application/octet-stream',
      blobContentLanguage: 'de',
    },
  });
  const url = await blob.generateSasUrl({
    permissions: BlobSASPermissions.parse('r'),
    expiresOn: new Date(Date.now() + 600_000),
  });
  return { body, md5, etag, url };
}

function request(source: Awaited<ReturnType<typeof sourceBlob>>, cacheControl?: string): CopyRequest {
  const sourceHeaders = { contentType: 'application/octet-stream', contentLanguage: 'de', md5: source.md5 };
  return {
    source: { url: source.url, etag: source.etag, headers: sourceHeaders },
    size: source.body.length,
    headers: { ...sourceHeaders, cacheControl },
    tier: 'Cool',
  };
}

describe('ServerCopy: which service call copies which size (against Azurite)', () => {
  it('uses Copy Blob From URL, falls back from Put Blob From URL (NotImplemented) to Copy Blob, and Copy Blob beyond', async () => {
    const container = await azurite.newContainer();
    const destination = new ContainerDestination({ container, label: container.url, copyLimits: LIMITS }, 'out');
    for (const [size, call] of [
      [512 * 1024, 'copy-blob-from-url'],
      [3 * MiB, 'copy-blob'], // Put Blob From URL on Azure; Azurite answers NotImplemented
      [6 * MiB, 'copy-blob'],
    ] as const) {
      const source = await sourceBlob(container, `in/${size}.bin`, size);
      const copied = await destination.copyFrom(`out/${size}.bin`, request(source, 'max-age=9'));
      assert.equal(copied, call, `${size} bytes`);
      const blob = container.getBlobClient(`out/${size}.bin`);
      const properties = await blob.getProperties();
      assert.equal(Buffer.from(properties.contentMD5!).toString('base64'), source.md5, 'the MD5 carries over');
      assert.equal(properties.contentLanguage, 'de', "the source's other headers carry over");
      assert.equal(properties.cacheControl, 'max-age=9', 'a rule changes its header after the copy');
      assert.equal(properties.accessTier, 'Cool');
      assert.ok(source.body.equals(await blob.downloadToBuffer()));
    }
  });

  it('copies only the version that was listed, with every call', async () => {
    const container = await azurite.newContainer();
    const destination = new ContainerDestination({ container, label: container.url, copyLimits: LIMITS }, '');
    for (const size of [512 * 1024, 6 * MiB]) {
      const source = await sourceBlob(container, `in/${size}.bin`, size);
      await container.getBlockBlobClient(`in/${size}.bin`).upload('newer', 5);
      await assert.rejects(destination.copyFrom(`out/${size}.bin`, request(source)), { statusCode: 412 });
      assert.equal(await container.getBlobClient(`out/${size}.bin`).exists(), false);
    }
  });
});
