import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { storageSharedKeyCredentialPolicy } from '@azure/storage-common';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { signSharedKey } from '../../src/storage/shared-key.js';
import { SOURCE_METADATA } from '../../src/engine/plan/encoding.js';

// The hand-made Shared Key signature (src/auth/shared-key.ts) against the SDK's policy, on the headers a put sends.

const key = { accountName: DEV_ACCOUNT.name, accountKey: Buffer.from(DEV_ACCOUNT.key, 'base64') };

/** The SDK's Authorization and x-ms-date for the same request. */
async function sdkSigned(path: string, headers: Record<string, string>) {
  const request = createPipelineRequest({
    url: `http://127.0.0.1:10000${path}`,
    method: 'PUT',
    headers: createHttpHeaders(headers),
  });
  const policy = storageSharedKeyCredentialPolicy(key);
  let signed = request;
  await policy.sendRequest(request, async (req) => {
    signed = req;
    return { status: 201, headers: createHttpHeaders(), request: req };
  });
  return { authorization: signed.headers.get('authorization'), date: signed.headers.get('x-ms-date')! };
}

describe('Shared Key signing', () => {
  const path = `/${DEV_ACCOUNT.name}/site/docs/a%20b/100%25%20%231%3F.html`;
  const cases: Record<string, Record<string, string>> = {
    'a plain put': {
      'content-length': '42',
      'user-agent': 'azure-blob-sync',
      'x-ms-version': '2025-11-05',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'text/html; charset=utf-8',
      'content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
      'x-ms-blob-content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
    },
    'every header and the metadata a put may send': {
      'content-length': '42',
      'user-agent': 'azure-blob-sync',
      'x-ms-version': '2025-11-05',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'application/javascript',
      'content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
      'x-ms-blob-content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
      'x-ms-blob-cache-control': 'public, max-age=31536000, immutable',
      'x-ms-blob-content-encoding': 'br',
      'x-ms-blob-content-language': 'de',
      'x-ms-blob-content-disposition': 'inline',
      'x-ms-access-tier': 'Cool',
      [`x-ms-meta-${SOURCE_METADATA.md5}`]: 'rL0Y20zC+Fzt72VPzMSk2A==',
      [`x-ms-meta-${SOURCE_METADATA.size}`]: '42',
      [`x-ms-meta-${SOURCE_METADATA.encoding}`]: 'br',
      'x-ms-meta-Mixed_Case': 'v',
    },
    'an empty body': {
      'content-length': '0',
      'x-ms-version': '2025-11-05',
      'x-ms-blob-type': 'BlockBlob',
      'x-ms-blob-content-type': 'text/plain',
    },
  };
  for (const [what, headers] of Object.entries(cases)) {
    it(`signs ${what} as the SDK does`, async () => {
      const sdk = await sdkSigned(path, headers);
      const ours = { ...headers };
      signSharedKey(key, 'PUT', path, ours, new Date(sdk.date));
      assert.equal(ours['x-ms-date'], sdk.date);
      assert.equal(ours.authorization, sdk.authorization);
    });
  }
});
