import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { connectContainer } from '../../src/storage/connect.js';
import { Http1Pool } from '../../src/storage/http1/pool.js';
import { type PutBlob, SDK_PUTS_VARIABLE } from '../../src/storage/lean-client.js';
import { signSharedKey } from '../../src/storage/shared-key.js';
import { ContainerDestination } from '../../src/storage/container-destination.js';
import type { StoredHeaders } from '../../src/engine/ports/destination.js';
import { failureReason } from '../../src/engine/failures.js';
import { useAzurite } from '../support/azurite.js';
import { connectionStringVia, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';

// The lean Put Blob (src/storage/put-blob.ts) against Azurite, directly and through the fault proxy: what it stores,
// that the service checks its MD5, and that it retries, times out and fails the way the SDK path does.

const azurite = useAzurite();
const md5 = (body: Buffer) => createHash('md5').update(body).digest('base64');

describe('lean Put Blob', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl, 99);
  });
  after(() => proxy.stop());

  /** A put for a new container, through the proxy, with short retries. */
  async function putVia(options: { maxTries?: number; tryTimeoutMs?: number } = {}) {
    const container = await azurite.newContainer();
    const connectionString = connectionStringVia(proxy, azurite.azurite);
    const target = connectContainer({ kind: 'connection-string', connectionString }, container.containerName, options);
    assert.ok(target.putBlob, 'a put without a proxy configured takes the lean path');
    return { container, put: target.putBlob };
  }

  const headersFor = (body: Buffer, extra: Partial<StoredHeaders> = {}): StoredHeaders => ({
    contentType: 'text/html; charset=utf-8',
    md5: md5(body),
    ...extra,
  });

  it('writes only where its condition holds: no blob yet (409 otherwise), the listed version (412 otherwise)', async () => {
    const { container, put } = await putVia();
    const first = Buffer.from('first');
    await put('release.txt', first, headersFor(first), { condition: { ifNoneMatch: '*' } });
    const second = Buffer.from('second');
    await assert.rejects(
      put('release.txt', second, headersFor(second), { condition: { ifNoneMatch: '*' } }),
      (error) => {
        assert.equal((error as { statusCode?: number }).statusCode, 409);
        assert.match(failureReason(error), /^409 BlobAlreadyExists/);
        return true;
      },
    );
    const { etag } = await container.getBlobClient('release.txt').getProperties();
    await assert.rejects(
      put('release.txt', second, headersFor(second), { condition: { ifMatch: '"0x1"' } }),
      (error) => (error as { statusCode?: number }).statusCode === 412,
    );
    assert.equal((await container.getBlobClient('release.txt').downloadToBuffer()).toString(), 'first');
    await put('release.txt', second, headersFor(second), { condition: { ifMatch: etag! } });
    assert.equal((await container.getBlobClient('release.txt').downloadToBuffer()).toString(), 'second');
  });

  it('stores the bytes, the MD5, the headers, the metadata and the tier', async () => {
    const { container, put } = await putVia();
    const body = Buffer.from('<p>héllo, wörld</p>');
    const name = 'docs/a b/100% #1?.html';
    await put(
      name,
      body,
      headersFor(body, {
        cacheControl: 'no-cache',
        contentEncoding: 'identity',
        contentLanguage: 'de',
        contentDisposition: 'inline',
        metadata: { abs_source_md5: 'x', Mixed_Case: 'v' },
      }),
      { tier: 'Cool' },
    );
    const blob = container.getBlobClient(name);
    const properties = await blob.getProperties();
    assert.equal(Buffer.from(properties.contentMD5 ?? []).toString('base64'), md5(body));
    assert.equal(properties.contentType, 'text/html; charset=utf-8');
    assert.equal(properties.cacheControl, 'no-cache');
    assert.equal(properties.contentEncoding, 'identity');
    assert.equal(properties.contentLanguage, 'de');
    assert.equal(properties.contentDisposition, 'inline');
    assert.equal(properties.accessTier, 'Cool');
    assert.deepEqual(properties.metadata, { abs_source_md5: 'x', mixed_case: 'v' });
    assert.deepEqual(await blob.downloadToBuffer(), body);
  });

  it('writes empty files', async () => {
    const { container, put } = await putVia();
    await put('empty.txt', Buffer.alloc(0), headersFor(Buffer.alloc(0), { contentType: 'text/plain' }));
    const properties = await container.getBlobClient('empty.txt').getProperties();
    assert.equal(properties.contentLength, 0);
    assert.equal(Buffer.from(properties.contentMD5 ?? []).toString('base64'), md5(Buffer.alloc(0)));
  });

  it('sends a Content-MD5 the service checks: bytes that do not match it are refused', async () => {
    const { container, put } = await putVia();
    const body = Buffer.from('what was read');
    const wrong = headersFor(Buffer.from('what was hashed'));
    await assert.rejects(put('page.html', body, wrong), (error: unknown) => {
      assert.equal((error as { statusCode?: number }).statusCode, 400);
      // Azure says Md5Mismatch; Azurite InvalidOperation ("Provided contentMD5 doesn't match").
      assert.match(failureReason(error), /^400 (Md5Mismatch|InvalidOperation): .*(MD5|md5)/);
      return true;
    });
    assert.equal(await container.getBlobClient('page.html').exists(), false);
  });

  it('signs with the account key: the service takes the put, and refuses one signed with another key', async () => {
    const container = await azurite.newContainer();
    const { accountName, accountKey, serviceUrl } = azurite.azurite;
    const connect = (key: string) =>
      connectContainer(
        {
          kind: 'connection-string',
          connectionString: `AccountName=${accountName};AccountKey=${key};BlobEndpoint=${serviceUrl}`,
        },
        container.containerName,
        { maxTries: 2 },
      ).putBlob!;
    const body = Buffer.from('signed');
    // Odd characters and metadata, so the signed path and the sorted x-ms- headers must match what arrives.
    const name = 'a b/100% #1?&=é.txt';
    await connect(accountKey)(name, body, headersFor(body, { metadata: { azsync_source_md5: 'x', Mixed_Case: 'v' } }));
    assert.deepEqual(await container.getBlobClient(name).downloadToBuffer(), body);

    const otherKey = Buffer.alloc(64, 7).toString('base64');
    await assert.rejects(connect(otherKey)('forged.txt', body, headersFor(body)), (error: unknown) => {
      assert.equal((error as { statusCode?: number }).statusCode, 403);
      assert.match(failureReason(error), /^403 AuthorizationFailure|^403 AuthenticationFailed/);
      return true;
    });
    assert.equal(await container.getBlobClient('forged.txt').exists(), false);
  });

  it('sends the MD5 as Content-MD5, the header Azure checks on a Put Blob, and as the stored one', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers);
      req.resume();
      req.on('end', () => res.writeHead(201).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const connectionString = `AccountName=${azurite.azurite.accountName};AccountKey=${azurite.azurite.accountKey};BlobEndpoint=http://127.0.0.1:${port}/${azurite.azurite.accountName}`;
      const target = connectContainer({ kind: 'connection-string', connectionString }, 'checked');
      const body = Buffer.from('checked bytes');
      await target.putBlob!('a.txt', body, headersFor(body));
      assert.equal(seen[0]?.['content-md5'], md5(body));
      assert.equal(seen[0]?.['x-ms-blob-content-md5'], md5(body));
      assert.equal(seen[0]?.['content-length'], String(body.length));
    } finally {
      server.close();
    }
  });

  it('retries 503 and 500 until the service responses, and stops after the last try', async () => {
    const { container, put } = await putVia({ maxTries: 3 });
    const body = Buffer.from('retried');
    proxy.setRules([{ method: 'PUT', blob: /^retried\.txt$/, times: 2, fault: { kind: 'status', status: 503 } }]);
    await put('retried.txt', body, headersFor(body));
    assert.deepEqual(await container.getBlobClient('retried.txt').downloadToBuffer(), body);
    const tries = proxy.requests.filter((r) => r.blob === 'retried.txt');
    assert.deepEqual(
      tries.map((r) => r.outcome),
      [503, 503, 201],
    );

    proxy.setRules([
      { method: 'PUT', blob: /^failing\.txt$/, fault: { kind: 'status', status: 500, code: 'OopsBusy' } },
    ]);
    await assert.rejects(put('failing.txt', body, headersFor(body)), (error: unknown) => {
      assert.equal(failureReason(error), '500 OopsBusy: Injected fault');
      return true;
    });
    assert.equal(proxy.requests.filter((r) => r.blob === 'failing.txt').length, 3);
    proxy.setRules([]);
  });

  it('does not retry what another try cannot fix', async () => {
    const { put } = await putVia({ maxTries: 4 });
    const body = Buffer.from('x');
    proxy.setRules([
      { method: 'PUT', blob: /^refused\.txt$/, fault: { kind: 'status', status: 403, code: 'AuthorizationFailure' } },
    ]);
    await assert.rejects(put('refused.txt', body, headersFor(body)), { statusCode: 403 });
    assert.equal(proxy.requests.filter((r) => r.blob === 'refused.txt').length, 1);
    proxy.setRules([]);
  });

  it('waits as long as Retry-After asks', async () => {
    const { put } = await putVia({ maxTries: 3 });
    const body = Buffer.from('throttled');
    proxy.setRules([
      {
        method: 'PUT',
        blob: /^throttled\.txt$/,
        times: 1,
        fault: { kind: 'status', status: 429, retryAfterSeconds: 1 },
      },
    ]);
    await put('throttled.txt', body, headersFor(body));
    const [first, second] = proxy.requests.filter((r) => r.blob === 'throttled.txt');
    assert.ok(second!.at - first!.at >= 950, `retried after ${second!.at - first!.at} ms`);
    proxy.setRules([]);
  });

  it('retries a dropped connection and a response slower than the per-try limit', async () => {
    const { container, put } = await putVia({ maxTries: 3, tryTimeoutMs: 500 });
    const body = Buffer.from('flaky');
    proxy.setRules([
      { method: 'PUT', blob: /^reset\.txt$/, times: 1, fault: { kind: 'reset-request' } },
      { method: 'PUT', blob: /^slow\.txt$/, times: 1, fault: { kind: 'delay', ms: 1500, afterUpstream: true } },
    ]);
    await put('reset.txt', body, headersFor(body));
    await put('slow.txt', body, headersFor(body));
    for (const name of ['reset.txt', 'slow.txt']) {
      assert.deepEqual(await container.getBlobClient(name).downloadToBuffer(), body);
      assert.equal(proxy.requests.filter((r) => r.blob === name).length, 2, name);
    }

    proxy.setRules([{ method: 'PUT', blob: /^stalled\.txt$/, fault: { kind: 'delay', ms: 1500 } }]);
    await assert.rejects(put('stalled.txt', body, headersFor(body)), (error: unknown) => {
      assert.equal((error as { code?: string }).code, 'ETIMEDOUT');
      assert.match(failureReason(error), /no response within 0.5 s, even after retries/);
      return true;
    });
    proxy.setRules([]);
  });

  it('signs with a SAS in the URL, and no error quotes it', async () => {
    const container = await azurite.newContainer();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        permissions: ContainerSASPermissions.parse('cw'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(azurite.azurite.accountName, azurite.azurite.accountKey),
    ).toString();
    const target = connectContainer(
      { kind: 'sas', serviceUrl: proxy.serviceUrl, sasToken: sas },
      container.containerName,
      { maxTries: 1 },
    );
    const put = target.putBlob as PutBlob;
    const body = Buffer.from('via sas');
    await put('sas.txt', body, headersFor(body));
    assert.deepEqual(await container.getBlobClient('sas.txt').downloadToBuffer(), body);

    proxy.setRules([{ method: 'PUT', fault: { kind: 'status', status: 403, quoteRequest: true } }]);
    await assert.rejects(put('quoted.txt', body, headersFor(body)), (error: unknown) => {
      const signature = new URLSearchParams(sas).get('sig')!;
      assert.ok(!failureReason(error).includes(signature), failureReason(error));
      assert.ok(!JSON.stringify(error).includes(signature));
      return true;
    });
    proxy.setRules([]);
  });

  it('leaves puts to the SDK when a proxy is configured, which only the SDK honours', () => {
    const before = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    try {
      const target = connectContainer(
        { kind: 'connection-string', connectionString: azurite.azurite.connectionString },
        'whatever',
      );
      assert.equal(target.putBlob, undefined);
    } finally {
      if (before === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = before;
    }
  });

  it(`sends every put through the SDK when ${SDK_PUTS_VARIABLE} is set, and only then`, async () => {
    const agents: string[] = [];
    const server = http.createServer((req, res) => {
      if (req.method === 'PUT') agents.push(req.headers['user-agent'] ?? '');
      req.resume();
      req.on('end', () => res.writeHead(201).end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const before = process.env[SDK_PUTS_VARIABLE];
    try {
      const { port } = server.address() as AddressInfo;
      const { accountName, accountKey } = azurite.azurite;
      const connectionString = `AccountName=${accountName};AccountKey=${accountKey};BlobEndpoint=http://127.0.0.1:${port}/${accountName}`;
      const body = Buffer.from('which path?');
      /** The User-Agent of one put through the destination the sync uses, with the switch set to `value`. */
      const agentWith = async (value: string | undefined) => {
        if (value === undefined) delete process.env[SDK_PUTS_VARIABLE];
        else process.env[SDK_PUTS_VARIABLE] = value;
        const target = connectContainer({ kind: 'connection-string', connectionString }, 'switched');
        await new ContainerDestination(target, '').put('a.txt', body, headersFor(body));
        assert.equal(agents.length, 1, 'one request a put');
        return agents.pop()!;
      };
      // The lean path says only its name; the SDK's pipeline adds its own (azsdk-js-azure-storage-blob/..., Node, OS).
      assert.equal(await agentWith(undefined), 'azure-blob-sync');
      assert.equal(await agentWith('0'), 'azure-blob-sync');
      assert.match(await agentWith('1'), /^azure-blob-sync azsdk-js-azure-storage-blob\//);
      assert.match(await agentWith('true'), /azsdk-js-azure-storage-blob/);
    } finally {
      if (before === undefined) delete process.env[SDK_PUTS_VARIABLE];
      else process.env[SDK_PUTS_VARIABLE] = before;
      server.close();
    }
  });

  it('signs requests with a query as the service reads them: Put Block and Put Block List on the lean connections', async () => {
    const container = await azurite.newContainer();
    const { accountName, accountKey, serviceUrl } = azurite.azurite;
    const service = new URL(serviceUrl);
    const pool = new Http1Pool({ secure: false, hostname: service.hostname, port: Number(service.port) });
    const version = (container as unknown as { storageClientContext: { version: string } }).storageClientContext
      .version;
    const path = `${service.pathname.replace(/\/$/, '')}/${container.containerName}/blocks/a%20b%3F.txt`;
    const put = async (query: string, body: Buffer, key = accountKey, extra: Record<string, string> = {}) => {
      const headers = { 'x-ms-version': version, 'content-length': String(body.length), ...extra };
      signSharedKey({ accountName, accountKey: Buffer.from(key, 'base64') }, 'PUT', `${path}?${query}`, headers);
      return pool.send({ method: 'PUT', path: `${path}?${query}`, headers, body, timeoutMs: 10_000 });
    };
    try {
      // Base64 ids end in '=', which the query carries escaped and the signature decoded.
      const ids = ['block-01', 'block-02'].map((id) => Buffer.from(id).toString('base64'));
      assert.ok(ids.every((id) => id.endsWith('=')));
      for (const [i, part] of ['hello, ', 'world'].entries()) {
        const response = await put(`comp=block&blockid=${encodeURIComponent(ids[i]!)}`, Buffer.from(part));
        assert.equal(response.status, 201, response.body.toString());
      }
      const list = `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((id) => `<Latest>${id}</Latest>`).join('')}</BlockList>`;
      const committed = await put('comp=blocklist', Buffer.from(list), accountKey, {
        'Content-Type': 'application/xml',
        'x-ms-blob-content-type': 'text/plain',
        'If-None-Match': '*',
      });
      assert.equal(committed.status, 201, committed.body.toString());
      const blob = container.getBlobClient('blocks/a b?.txt');
      assert.equal((await blob.downloadToBuffer()).toString(), 'hello, world');
      assert.equal((await blob.getProperties()).contentType, 'text/plain');

      const forged = await put(`comp=block&blockid=${encodeURIComponent(ids[0]!)}`, Buffer.from('x'), 'AAAA');
      assert.equal(forged.status, 403);
    } finally {
      pool.close();
    }
  });
});
