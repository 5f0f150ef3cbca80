import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BlobSASPermissions, type ContainerClient } from '@azure/storage-blob';
import type { StoredHeaders, SyncDestination } from '../../src/engine/ports/destination.js';
import { connectContainer } from '../../src/storage/connect.js';
import { ContainerDestination } from '../../src/storage/container-destination.js';
import { BlobFolders } from '../../src/storage/blob-folders.js';
import { PreviewStore } from '../../src/deploy/preview/store.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { type FakeProxy, startFakeProxy } from '../support/fake-proxy.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';
import { putLiteral } from '../support/raw-put.js';

// Names and links are hostile input (a pull request decides the build output's file names): nothing a run writes may
// land outside its destination folder, on any path to the service, and nothing outside the source folder is read.

const azurite = useAzurite();
const MiB = 1024 * 1024;

const names = async (container: ContainerClient) => [...(await blobState(container)).keys()].sort();

describe('a file named to climb out of the destination', () => {
  let proxy: FakeProxy;
  before(async () => {
    proxy = await startFakeProxy();
  });
  after(() => proxy.stop());

  for (const via of ['the lean put', 'the SDK behind a proxy'] as const) {
    it(`fails on its own, exit 1, and nothing lands outside site/docs/ (${via})`, async () => {
      const site = await azurite.newContainer();
      const victim = await azurite.newContainer();
      const climb = `..\\..\\${victim.containerName}\\`;
      const source = makeTree({
        [`${climb}index.html`]: '<p>defaced</p>',
        [`${climb}big.bin`]: pseudoRandomBytes(9 * MiB, 3),
        'ok.txt': 'fine',
      });
      const seen = proxy.requests.length;
      const run = await runCli(
        [source, '--container', site.containerName, '--destination-path', 'docs', '--json', '--delete-destination'],
        {
          env: {
            AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString,
            ...(via === 'the SDK behind a proxy' ? { HTTP_PROXY: proxy.url } : {}),
          },
        },
      );
      assert.equal(run.code, 1, run.stderr);
      const summary = jsonSummary(run);
      assert.deepEqual(
        summary.failures.map((f) => f.name),
        [`${climb}big.bin`, `${climb}index.html`],
      );
      for (const failure of summary.failures) {
        assert.match(failure.reason, /has a "\.\." segment .* outside its folder, even in another container/);
        assert.match(failure.reason, /rename the file, or leave it out with an exclude pattern; it was not sent$/);
      }
      assert.equal(summary.uploaded, 1);
      assert.deepEqual(await names(site), ['docs/ok.txt']);
      assert.deepEqual(await names(victim), []);
      if (via === 'the SDK behind a proxy') assert.ok(proxy.requests.length > seen, 'the run went through the proxy');
      else assert.equal(proxy.requests.length, seen);
    });
  }
});

describe('symbolic links in the source', () => {
  it('are followed out of the source only with --follow-symlinks, each skipped one said once', async () => {
    const outside = makeTree({ passwd: 'root:x:0:0' });
    const source = makeTree({ 'index.html': '<p>hi</p>' });
    symlinkSync(outside, path.join(source, 'etc'));
    const container = await azurite.newContainer();
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const run = await runCli([source, '--container', container.containerName], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(await names(container), ['index.html']);
    const said = run.stdout.split('\n').filter((line) => line.includes('points outside the source folder'));
    assert.equal(said.length, 1, run.stdout);
    assert.match(said[0]!, /etc: skipped, the symbolic link points outside the source folder/);

    const followed = await runCli([source, '--container', container.containerName, '--follow-symlinks'], { env });
    assert.equal(followed.code, 0, followed.stderr);
    assert.deepEqual(await names(container), ['etc/passwd', 'index.html']);
  });
});

describe('a listed blob whose name a URL would resolve elsewhere (written by another tool)', () => {
  it('is reported, never deleted, updated or counted by the delete guard', async () => {
    const container = await azurite.newContainer();
    await putLiteral(container, 'docs/../x.txt', 'planted');
    await putLiteral(container, 'docs//y.txt', 'planted');
    await container.uploadBlockBlob('docs/old.txt', 'old', 3);
    assert.deepEqual(await names(container), ['docs/../x.txt', 'docs//y.txt', 'docs/old.txt']);
    const source = makeTree({ 'index.html': '<p>new</p>' });
    const run = await runCli(
      [source, '--container', container.containerName, '--destination-path', 'docs', '--delete-destination', '--json'],
      { env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString } },
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = jsonSummary(run);
    assert.equal(summary.deleted, 1, 'only docs/old.txt');
    assert.equal(summary.deleteGuard?.deployed, 1, 'the planted blobs are not counted');
    assert.match(
      run.stderr,
      /2 blob\(s\) in the destination have names no request may address \(e\.g\. "docs\/\.\.\/x\.txt": its path has a "\.\." segment/,
    );
    assert.deepEqual(await names(container), ['docs/../x.txt', 'docs//y.txt', 'docs/index.html']);
  });
});

describe('a preview folder holding a blob planted by another tool', () => {
  it('is removed around that blob, which is reported and left alone', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('pr-7/index.html', 'page', 4);
    await container.uploadBlockBlob('pr-7/.azure-blob-sync/deployed.json', '{}', 2);
    await putLiteral(container, 'pr-7/../victim.txt', 'planted');
    await container.uploadBlockBlob('victim.txt', 'keep', 4);
    const leftAlone: string[] = [];
    const removed = await new PreviewStore(new BlobFolders(container)).removeFolder('pr-7', {
      dryRun: false,
      leftAlone: (name, reason) => leftAlone.push(`${name}: ${reason}`),
    });
    assert.deepEqual(
      removed.map((blob) => blob.blobName),
      ['pr-7/index.html'],
    );
    assert.equal(leftAlone.length, 1);
    assert.match(leftAlone[0]!, /^pr-7\/\.\.\/victim\.txt: its path has a "\.\." segment/);
    assert.deepEqual(await names(container), ['pr-7/../victim.txt', 'victim.txt']);
  });
});

describe('one URL path for every request', () => {
  // Odd names that are safe, each with the name the service stores (it turns '\' into '/').
  const ODD: [name: string, stored: string][] = [
    ['%2e%2e/a.txt', '%2e%2e/a.txt'],
    ['a/%2E/b.txt', 'a/%2E/b.txt'],
    ['100% #1?.html', '100% #1?.html'],
    ['sp ace/é ü 中文/🙂.txt', 'sp ace/é ü 中文/🙂.txt'],
    ["it's (1)!.txt", "it's (1)!.txt"],
    ['back\\slash.txt', 'back/slash.txt'],
    ['a/..b/...', 'a/..b/...'],
    [`long/${'x'.repeat(1019)}`, `long/${'x'.repeat(1019)}`],
  ];
  const UNSAFE = ['docs/../../x.txt', './x.txt', 'a/./b.txt', 'a//b.txt', '%2e%2e/../x', '..\\x.txt', 'a\\.\\b.txt'];
  const headers = (body: Buffer): StoredHeaders => ({ contentType: 'text/plain', md5: md5Base64(body) });

  /** Each way a run writes or changes a blob, by the name it is given. */
  function paths(lean: SyncDestination, sdk: SyncDestination, copySource: (name: string) => Promise<string>) {
    const body = Buffer.from('body');
    return {
      'lean put': (name: string) => lean.put(name, body, headers(body)),
      'SDK put': (name: string) => sdk.put(name, body, headers(body)),
      blocks: async (name: string) => {
        const id = Buffer.from('block-000001').toString('base64');
        await sdk.stage(name, id, body);
        await sdk.commit(name, [id], headers(body));
      },
      'server-side copy': async (name: string) => {
        await sdk.copyFrom(name, {
          source: { url: await copySource('source.txt'), headers: headers(body) },
          size: body.length,
          headers: headers(body),
        });
      },
    };
  }

  it('stores each odd name as itself on every path, and sets headers on and deletes that same blob', async () => {
    const container = await azurite.newContainer();
    const target = connectContainer(
      { kind: 'connection-string', connectionString: azurite.azurite.connectionString },
      container.containerName,
    );
    assert.ok(target.putBlob);
    const lean = new ContainerDestination(target, '');
    const sdk = new ContainerDestination({ ...target, putBlob: undefined }, '');
    await container.uploadBlockBlob('source.txt', 'body', 4);
    const copySource = (name: string) =>
      container.getBlobClient(name).generateSasUrl({
        permissions: BlobSASPermissions.parse('r'),
        expiresOn: new Date(Date.now() + 600_000),
      });
    for (const [way, write] of Object.entries(paths(lean, sdk, copySource))) {
      for (const [name, stored] of ODD) {
        await write(name);
        const state = await blobState(container);
        assert.ok(state.has(stored), `${way}: ${JSON.stringify(name)} stored as ${JSON.stringify(stored)}`);
        assert.equal(state.size, 2, `${way}: ${JSON.stringify(name)} stored once, under one name`);
        const listed = { name: stored, blobName: stored, size: 4 };
        await sdk.setHeaders(listed, { contentType: 'text/x-odd' });
        assert.equal((await blobState(container)).get(stored)?.contentType, 'text/x-odd', `${way}: headers`);
        assert.equal(await sdk.deleteIfUnchanged(listed), 'deleted', `${way}: delete`);
        assert.deepEqual([...(await blobState(container)).keys()], ['source.txt'], `${way}: deleted`);
      }
    }
  });

  it('deletes every odd name in one batch, each the blob it names', async () => {
    const container = await azurite.newContainer();
    const target = connectContainer(
      { kind: 'connection-string', connectionString: azurite.azurite.connectionString },
      container.containerName,
    );
    const lean = new ContainerDestination(target, '');
    const body = Buffer.from('body');
    for (const [name] of ODD) await lean.put(name, body, headers(body));
    await container.uploadBlockBlob('bystander.txt', 'keep', 4);
    const listed = ODD.map(([, stored]) => ({ name: stored, blobName: stored, size: 4 }));
    const result = await lean.deleteManyIfUnchanged(listed);
    assert.ok('outcomes' in result, JSON.stringify(result));
    assert.deepEqual(
      result.outcomes,
      listed.map(() => 'deleted'),
    );
    assert.deepEqual(await names(container), ['bystander.txt']);
  });

  it('refuses an unsafe name on every path, before anything is sent', async () => {
    const container = await azurite.newContainer();
    const target = connectContainer(
      { kind: 'connection-string', connectionString: azurite.azurite.connectionString },
      container.containerName,
    );
    const lean = new ContainerDestination(target, '');
    const sdk = new ContainerDestination({ ...target, putBlob: undefined }, '');
    const copySource = async () => 'http://127.0.0.1:1/never';
    const ways: Record<string, (name: string) => Promise<unknown>> = {
      ...paths(lean, sdk, copySource),
      'set headers': (name) => sdk.setHeaders({ name, blobName: name, size: 1 }, { contentType: 'text/plain' }),
      delete: (name) => sdk.deleteIfUnchanged({ name, blobName: name, size: 1 }),
      // A batch answers each blob on its own: the refused one is that blob's error.
      'batch delete': async (name) => {
        const result = await sdk.deleteManyIfUnchanged!([{ name, blobName: name, size: 1 }]);
        const outcome = 'outcomes' in result ? result.outcomes[0] : undefined;
        if (typeof outcome === 'object') throw outcome.error;
      },
    };
    for (const [way, call] of Object.entries(ways)) {
      for (const name of UNSAFE) {
        await assert.rejects(call(name), /refused to address the blob/, `${way}: ${name}`);
      }
    }
    for await (const other of azurite.service.listContainers()) {
      const inside = await names(azurite.service.getContainerClient(other.name));
      assert.ok(!inside.some((name) => name === 'x.txt' || name.endsWith('/b.txt')), `${other.name}: ${inside}`);
    }
  });
});

describe('the same check for a container source, in every shard', () => {
  it('fails a source blob whose name would climb out, in one shard only, and copies the rest', async () => {
    const source = await azurite.newContainer();
    const destination = await azurite.newContainer();
    await putLiteral(source, 'v1/../climb.txt', 'planted');
    await source.uploadBlockBlob('v1/ok.txt', 'ok', 2);
    await source.uploadBlockBlob('v1/more.txt', 'more', 4);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const summaries = [];
    for (const shard of ['1/2', '2/2']) {
      const run = await runCli(
        [`${source.url}/v1`, '--container', destination.containerName, '--destination-path', 'latest'].concat([
          '--shard',
          shard,
          '--json',
        ]),
        { env },
      );
      summaries.push({ code: run.code, summary: jsonSummary(run) });
    }
    const failures = summaries.flatMap(({ summary }) => summary.failures);
    assert.deepEqual(
      failures.map((f) => f.name),
      ['../climb.txt'],
    );
    assert.match(failures[0]!.reason, /"\.\." segment/);
    assert.deepEqual(summaries.map(({ code }) => code).sort(), [0, 1]);
    assert.equal(
      summaries.reduce((sum, { summary }) => sum + summary.copied, 0),
      2,
    );
    assert.deepEqual(await names(destination), ['latest/more.txt', 'latest/ok.txt']);
  });
});
