import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { storageSharedKeyCredentialPolicy } from '@azure/storage-common';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { signSharedKey } from '../../src/storage/shared-key.js';
import { SOURCE_METADATA } from '../../src/engine/plan/encoding.js';

// The hand-made Shared Key signature (src/storage/shared-key.ts) against the SDK's policy: on the headers a put sends,
// and on what later requests may send (conditional headers, ranges, query parameters, any x-ms- name).

const key = { accountName: DEV_ACCOUNT.name, accountKey: Buffer.from(DEV_ACCOUNT.key, 'base64') };

/** The SDK's Authorization and x-ms-date for the same request. */
async function sdkSigned(method: string, pathAndQuery: string, headers: Record<string, string>) {
  const request = createPipelineRequest({
    url: `http://127.0.0.1:10000${pathAndQuery}`,
    method: method as 'PUT',
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

/** Signs the request both ways and compares. */
async function compare(method: string, pathAndQuery: string, headers: Record<string, string>, what = '') {
  const sdk = await sdkSigned(method, pathAndQuery, headers);
  const ours = { ...headers };
  signSharedKey(key, method, pathAndQuery, ours, new Date(sdk.date));
  assert.equal(ours['x-ms-date'], sdk.date);
  assert.equal(ours.authorization, sdk.authorization, `${what} ${method} ${pathAndQuery} ${JSON.stringify(headers)}`);
}

/** mulberry32: small, seeded, repeatable. */
function randomFrom(seed: number) {
  let state = seed >>> 0;
  return (n: number) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000) * n);
  };
}

const account = `/${DEV_ACCOUNT.name}`;
const blobPath = `${account}/site/docs/a%20b/100%25%20%231%3F.html`;
const putBlob = {
  'content-length': '42',
  'user-agent': 'azure-blob-sync',
  'x-ms-version': '2025-11-05',
  'x-ms-blob-type': 'BlockBlob',
  'x-ms-blob-content-type': 'text/html; charset=utf-8',
  'content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
  'x-ms-blob-content-md5': 'rL0Y20zC+Fzt72VPzMSk2A==',
};

describe('Shared Key signing', () => {
  const cases: Record<string, Record<string, string>> = {
    'a plain put': putBlob,
    'every header and the metadata a put may send': {
      ...putBlob,
      'x-ms-blob-content-type': 'application/javascript',
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
    'names in any case, Content-MD5 among them': {
      'Content-Length': '42',
      'Content-MD5': 'rL0Y20zC+Fzt72VPzMSk2A==',
      'Content-Type': 'application/octet-stream',
      'X-MS-Version': '2025-11-05',
      'x-Ms-Blob-Type': 'BlockBlob',
      'X-Ms-Meta-Owner': 'me',
    },
    'values with spaces around and inside, and empty ones': {
      'content-length': ' 42 ',
      'content-language': '',
      'content-encoding': '\tgzip\t',
      'x-ms-version': '2025-11-05 ',
      'x-ms-meta-inner': 'a  b\t c',
      'x-ms-meta-padded': '\u00a0 nbsp \u00a0',
      'x-ms-meta-empty': '',
      'x-ms-blob-content-type': '  text/plain;   charset=utf-8  ',
    },
    'conditional headers and ranges': {
      'if-match': '"0x8DDB8F2C1A2B3C4"',
      'if-none-match': '*',
      'if-modified-since': 'Tue, 01 Jul 2025 10:00:00 GMT',
      'if-unmodified-since': 'Wed, 02 Jul 2025 10:00:00 GMT',
      range: 'bytes=0-99',
      'x-ms-range': 'bytes=0-511',
      'x-ms-range-get-content-md5': 'true',
      'x-ms-lease-id': '0b4e1a2c-801e-0030-2b6f-123456000000',
      'x-ms-if-tags': '"tag" = \'v\'',
      'x-ms-version': '2025-11-05',
      date: 'Tue, 01 Jul 2025 10:00:00 GMT',
    },
  };
  for (const [what, headers] of Object.entries(cases)) {
    it(`signs ${what} as the SDK does`, () => compare('PUT', blobPath, headers));
  }

  it('signs query parameters as the SDK does: names in lower case and sorted, values decoded', async () => {
    const blockId = encodeURIComponent(Buffer.from('block-000001\u00ff+/').toString('base64'));
    const requests: [string, string][] = [
      ['PUT', `${blobPath}?comp=block&blockid=${blockId}`], // Put Block
      ['PUT', `${blobPath}?comp=blocklist`], // Put Block List
      ['GET', `${blobPath}?comp=blocklist&blocklisttype=all`], // Get Block List
      ['POST', `${account}/site?restype=container&comp=batch`], // Blob Batch
      ['GET', `${account}/site?restype=container&comp=list&prefix=docs%2Fa%20b%2B&maxresults=5000&timeout=30`],
      ['put', `${blobPath}?BlockId=${blockId}&Comp=block`],
      ['GET', `${account}/?comp=properties&restype=service`],
      ['GET', `${account}?comp=list`],
    ];
    for (const [method, pathAndQuery] of requests) {
      await compare(method, pathAndQuery, { 'x-ms-version': '2025-11-05', 'content-length': '0' });
    }
  });

  it('orders any x-ms- names as the SDK does (hyphens, underscores, digits, other token characters)', async () => {
    const random = randomFrom(7);
    const alphabet = 'abz019_-.~!+';
    for (let n = 0; n < 300; n++) {
      const headers: Record<string, string> = { 'x-ms-version': '2025-11-05' };
      for (let count = 2 + random(10); count > 0; count--) {
        let name = 'x-ms-';
        for (let length = 1 + random(6); length > 0; length--) name += alphabet[random(alphabet.length)];
        headers[name] = String(n);
      }
      await compare('PUT', blobPath, headers, `case ${n}`);
    }
    // Where code-unit order and the service's differ.
    await compare('PUT', blobPath, { 'x-ms-meta-a_x': '1', 'x-ms-meta-a1': '2', 'x-ms-a-z': '3', 'x-ms-ab': '4' });
    await compare('PUT', blobPath, { 'x-ms-meta-a-b': '1', 'x-ms-meta-ab': '2', 'x-ms-meta-ab-': '3', 'x-ms-+': '' });
  });

  it('sends what it signs: values trimmed in place', () => {
    const headers = { 'x-ms-meta-a': '  v  ', 'content-type': '\ttext/plain ' };
    signSharedKey(key, 'PUT', blobPath, headers);
    assert.equal(headers['x-ms-meta-a'], 'v');
    assert.equal(headers['content-type'], 'text/plain');
  });

  it('refuses a header twice in different case, and a query it cannot sign as the service reads it', () => {
    const sign =
      (pathAndQuery: string, headers: Record<string, string> = {}) =>
      () =>
        signSharedKey(key, 'PUT', pathAndQuery, headers);
    assert.throws(sign(blobPath, { 'x-ms-meta-a': '1', 'X-Ms-Meta-A': '2' }), /x-ms-meta-a is set twice/);
    assert.throws(sign(`${blobPath}?comp=block&Comp=blocklist`), /comp is given twice/);
    assert.throws(sign(`${blobPath}?comp`), /comp is not name=value/);
    assert.throws(sign(`${blobPath}?blockid=`), /blockid is not name=value/);
    assert.throws(sign(`${blobPath}?blockid=YQ==`), /blockid is not name=value/);
    assert.throws(sign(`${blobPath}?=x`), /\(no name\) is not name=value/);
    assert.throws(sign(`${blobPath}?blockid=%E0%A4%A`), /blockid is not percent-encoded correctly/);
  });
});
