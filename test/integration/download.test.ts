import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { bytesDownloaded, downloadsFrom, requestsDuring } from '../support/access-log.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { fileTree, makeTree, md5Base64, pseudoRandomBytes, tempDir } from '../support/files.js';
import { putLiteral } from '../support/raw-put.js';

// The download direction (a container folder into a local folder) run as the bundled CLI against Azurite.

const azurite = useAzurite({ keepAccessLog: true });
const MiB = 1024 * 1024;

function cli(args: string[]) {
  return runCli([...args, '--json'], {
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
    timeoutMs: 180_000,
  });
}

const SITE = {
  'index.html': '<!doctype html><p>home</p>'.repeat(40),
  'assets/app.js': 'console.log("app");\n'.repeat(200),
  'assets/site.css': 'body { margin: 0 }\n'.repeat(100),
  'docs/ünïcödé 100% #1.txt': 'odd name',
  '.well-known/security.txt': 'Contact: mailto:security@example.com',
  'empty.txt': '',
  'data.bin': pseudoRandomBytes(300 * 1024, 5),
};

describe('download: a container folder into a local folder (CLI bundle, Azurite)', () => {
  let container: ContainerClient;
  const source = makeTree(SITE);
  const url = (folder: string) => `${container.url}/${folder}`;

  before(async () => {
    container = await azurite.newContainer();
    for (const [folder, more] of [
      ['plain', []],
      ['packed', ['--compress', '**/*.{html,css}=br', '--compress', '**/*.js=gzip']],
    ] as const) {
      const upload = await cli([source, '--container', container.containerName, '--destination-path', folder, ...more]);
      assert.equal(upload.code, 0, upload.stderr);
    }
  });

  it('round-trips exactly, with and without compress rules, and sets each file to its blob Last-Modified', async () => {
    for (const folder of ['plain', 'packed']) {
      const local = tempDir();
      const run = await cli([url(folder), local]);
      assert.equal(run.code, 0, run.stderr);
      const summary = jsonSummary(run);
      assert.deepEqual([summary.downloaded, summary.failed, summary.transfer], [7, 0, 'download']);
      assert.deepEqual(fileTree(local), fileTree(source), folder);
      const properties = await container.getBlobClient(`${folder}/index.html`).getProperties();
      assert.equal(
        Math.floor(statSync(path.join(local, 'index.html')).mtimeMs / 1000),
        Math.floor(properties.lastModified!.getTime() / 1000),
      );
    }
  });

  it('fetches nothing on a re-run, and one changed blob once', async () => {
    const upload = await cli([source, '--container', container.containerName, '--destination-path', 'changing']);
    assert.equal(upload.code, 0, upload.stderr);
    const local = tempDir();
    assert.equal((await cli([url('changing'), local])).code, 0);
    let again!: Awaited<ReturnType<typeof cli>>;
    const rerun = await requestsDuring(azurite.azurite, async () => {
      again = await cli([url('changing'), local]);
    });
    assert.deepEqual([jsonSummary(again).downloaded, jsonSummary(again).skipped], [0, 7]);
    assert.deepEqual(downloadsFrom(rerun, container), [], 'no blob read');

    await container.uploadBlockBlob('changing/assets/app.js', 'changed', 7);
    let changed!: Awaited<ReturnType<typeof cli>>;
    const one = await requestsDuring(azurite.azurite, async () => {
      changed = await cli([url('changing'), local]);
    });
    assert.deepEqual([jsonSummary(changed).downloaded, jsonSummary(changed).skipped], [1, 6]);
    assert.equal(downloadsFrom(one, container).length, 1, one.join('\n'));
    assert.equal(readFileSync(path.join(local, 'assets/app.js'), 'utf8'), 'changed');
  });

  it('compares blobs without an MD5 (written in blocks by another tool) by size and time: a re-run fetches nothing', async () => {
    const blocks = container.getBlockBlobClient('nomd5/big.bin');
    const body = pseudoRandomBytes(3 * MiB, 9);
    const id = Buffer.from('block-1').toString('base64');
    await blocks.stageBlock(id, body, body.length);
    await blocks.commitBlockList([id]);
    assert.equal((await blocks.getProperties()).contentMD5, undefined);
    const local = tempDir();
    const first = await cli([url('nomd5'), local]);
    assert.equal(jsonSummary(first).downloaded, 1);
    assert.equal(md5Base64(readFileSync(path.join(local, 'big.bin'))), md5Base64(body));
    assert.equal(jsonSummary(await cli([url('nomd5'), local])).skipped, 1);
  });

  it('deletes local extras only with --delete-destination, under the delete guard', async () => {
    const local = makeTree({ 'index.html': 'old', 'stale.html': 'x', 'old/a.txt': 'a' });
    const kept = await cli([url('plain'), local]);
    assert.equal(jsonSummary(kept).deleted, 0);
    assert.ok(existsSync(path.join(local, 'stale.html')));
    const mirrored = await cli([url('plain'), local, '--delete-destination']);
    assert.equal(mirrored.code, 0, mirrored.stderr);
    assert.deepEqual(jsonSummary(mirrored).deleted, 2);
    assert.deepEqual(fileTree(local), fileTree(source));

    // A container folder far smaller than the local one: the guard refuses, nothing is changed.
    const many = makeTree(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}.txt`, `${i}`])));
    await container.uploadBlockBlob('tiny/only.txt', 'x', 1);
    const refused = await cli([url('tiny'), many, '--delete-destination']);
    assert.equal(refused.code, 5, refused.stderr);
    assert.match(refused.stderr, /Refusing to delete 10 of the 10 local files in scope/);
    assert.equal(readdirSync(many).length, 10);
    assert.equal((await cli([url('nothing-here'), many, '--delete-destination'])).code, 5, 'an empty folder: refused');
  });

  it('fails a blob whose Content-MD5 is wrong on its own, keeping the old file, and writes the rest', async () => {
    await container.uploadBlockBlob('bad/good.txt', 'good', 4);
    await container.uploadBlockBlob('bad/liar.txt', 'actual', 6);
    await container.getBlobClient('bad/liar.txt').setHTTPHeaders({
      blobContentType: 'text/plain',
      blobContentMD5: Buffer.from(md5Base64('claimed'), 'base64'),
    });
    const local = makeTree({ 'liar.txt': 'the old file' });
    const run = await cli([url('bad'), local]);
    assert.equal(run.code, 1, run.stderr);
    const summary = jsonSummary(run);
    assert.deepEqual(
      summary.failures.map((f) => f.name),
      ['liar.txt'],
    );
    assert.match(summary.failures[0]!.reason, /do not match the blob's MD5 .*the old file was kept/);
    assert.deepEqual(
      [...fileTree(local)],
      [
        ['good.txt', md5Base64('good')],
        ['liar.txt', md5Base64('the old file')],
      ],
    );
  });

  it('refuses every name that cannot be a safe local path, writing nothing outside the folder', async () => {
    // Written as raw requests, the way a hostile or careless tool may (no URL parser resolves the dots).
    for (const name of ['hostile/../../escape.txt', 'hostile/a/./b.txt', 'hostile/x//y.txt']) {
      await putLiteral(container, name, 'planted');
    }
    await container.uploadBlockBlob('hostile/both', 'file', 4);
    await container.uploadBlockBlob('hostile/both/inner.txt', 'in a folder of the same name', 28);
    await container.uploadBlockBlob('hostile/ok.txt', 'ok', 2);
    const parent = tempDir();
    const local = path.join(parent, 'out');
    const run = await cli([url('hostile'), local]);
    assert.equal(run.code, 1, run.stderr);
    const failures = jsonSummary(run).failures;
    assert.ok(
      failures.some((f) => f.name === 'both' && /both a file and a folder/.test(f.reason)),
      JSON.stringify(failures),
    );
    assert.deepEqual(readdirSync(parent), ['out'], 'nothing beside the folder');
    assert.deepEqual([...fileTree(local).keys()].sort(), ['both/inner.txt', 'ok.txt']);
  });

  it('never writes or deletes through a symbolic link in the local folder', async () => {
    await container.uploadBlockBlob('linked/inside/x.txt', 'x', 1);
    const outside = makeTree({ 'victim.txt': 'keep me' });
    const local = tempDir();
    symlinkSync(outside, path.join(local, 'inside'));
    const run = await cli([url('linked'), local, '--delete-destination', '--force']);
    assert.equal(run.code, 1, run.stderr);
    assert.match(jsonSummary(run).failures[0]!.reason, /a symbolic link stands where the folder "inside" must be/);
    assert.deepEqual([...fileTree(outside).keys()], ['victim.txt']);
  });
});

describe('download: an interrupted large file goes on from its partial file', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl);
  });
  after(() => proxy.stop());

  it('resumes with ranged reads, fetching less than half the file again, and verifies the whole', async () => {
    const container = await azurite.newContainer();
    const body = pseudoRandomBytes(40 * MiB, 11);
    await container.getBlockBlobClient('release/big.bin').uploadData(body, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(body), 'base64') },
    });
    const local = tempDir();
    const viaProxy = `${proxy.serviceUrl}/${container.containerName}/release`;
    // The network path breaks once 28 MiB have arrived, and stays broken for the rest of the run: the stream's own
    // attempts to go on from there are refused too.
    proxy.setRules([
      { method: 'GET', blob: /big\.bin$/, range: /^(bytes=0-.*)?$/, fault: { kind: 'cut-body', share: 0.7 } },
      { method: 'GET', blob: /big\.bin$/, fault: { kind: 'status', status: 400, code: 'ConnectionBroken' } },
    ]);
    const broken = await cli([viaProxy, local, '--concurrency', '1']);
    assert.equal(broken.code, 1, broken.stderr);
    const partial = readdirSync(local).filter((name) => name.startsWith('.azure-blob-sync-partial.'));
    assert.equal(partial.length, 1, 'the partial file stays for the next run');
    const kept = statSync(path.join(local, partial[0]!)).size;
    assert.ok(kept > 20 * MiB && kept <= 28 * MiB, `${kept} bytes kept, of the 28 MiB that arrived`);
    assert.ok(!existsSync(path.join(local, 'big.bin')), 'no half-written file under the real name');

    proxy.setRules([]);
    let resumed!: Awaited<ReturnType<typeof cli>>;
    const lines = await requestsDuring(azurite.azurite, async () => {
      resumed = await cli([viaProxy, local]);
    });
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = jsonSummary(resumed);
    assert.equal(summary.bytesDownloaded, 40 * MiB - kept, 'only what the partial file lacked');
    assert.ok(bytesDownloaded(lines, container) < 20 * MiB, `${bytesDownloaded(lines, container)} bytes read`);
    assert.equal(md5Base64(readFileSync(path.join(local, 'big.bin'))), md5Base64(body));
    assert.deepEqual(readdirSync(local), ['big.bin'], 'the partial file became the file');
  });

  it('goes on after the runner was killed (SIGKILL) in the middle of a large file', async () => {
    const container = await azurite.newContainer();
    const body = pseudoRandomBytes(40 * MiB, 13);
    await container.getBlockBlobClient('release/big.bin').uploadData(body, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(body), 'base64') },
    });
    const local = tempDir();
    const viaProxy = `${proxy.serviceUrl}/${container.containerName}/release`;
    // Half the file arrives, then the network stalls long enough for the runner to be killed.
    proxy.setRules([{ method: 'GET', blob: /big\.bin$/, fault: { kind: 'stall-body', ms: 20_000 } }]);
    const partialSize = () => {
      const name = readdirSync(local).find((file) => file.startsWith('.azure-blob-sync-partial.'));
      return name ? statSync(path.join(local, name)).size : 0;
    };
    const killed = await runCli([viaProxy, local, '--concurrency', '1'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      onStart: (child) => {
        const watch = setInterval(() => {
          if (partialSize() >= 16 * MiB) {
            clearInterval(watch);
            child.kill('SIGKILL');
          }
        }, 20);
        child.on('exit', () => clearInterval(watch));
      },
    });
    assert.equal(killed.signal, 'SIGKILL', killed.stdout + killed.stderr);
    const kept = partialSize();
    assert.ok(kept >= 16 * MiB, `${kept} bytes kept`);
    assert.ok(!existsSync(path.join(local, 'big.bin')));

    proxy.setRules([]);
    const resumed = await cli([viaProxy, local]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(jsonSummary(resumed).bytesDownloaded, 40 * MiB - kept);
    assert.deepEqual([...fileTree(local)], [['big.bin', md5Base64(body)]]);
  });

  it('starts over when the blob changed since the partial file was written', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('release/big.bin', 'x'.repeat(12 * MiB), 12 * MiB);
    const local = tempDir();
    const viaProxy = `${proxy.serviceUrl}/${container.containerName}/release`;
    proxy.setRules([
      { method: 'GET', blob: /big\.bin$/, range: /^(bytes=0-.*)?$/, fault: { kind: 'cut-body', share: 0.7 } },
      { method: 'GET', blob: /big\.bin$/, fault: { kind: 'status', status: 400 } },
    ]);
    assert.equal((await cli([viaProxy, local, '--concurrency', '1'])).code, 1);
    assert.equal(readdirSync(local).length, 1, 'a partial file of the old version');
    proxy.setRules([]);
    const fresh = pseudoRandomBytes(12 * MiB, 2);
    await container.getBlockBlobClient('release/big.bin').uploadData(fresh, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(fresh), 'base64') },
    });
    const run = await cli([viaProxy, local]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(jsonSummary(run).bytesDownloaded, 12 * MiB, 'the whole new version');
    assert.deepEqual([...fileTree(local)], [['big.bin', md5Base64(fresh)]], 'the stale partial file is gone');
  });
});

describe('download: a dry run', () => {
  it('says what it would fetch and writes nothing', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('k/a.txt', 'a', 1);
    const local = makeTree({ 'a.txt': 'old' });
    writeFileSync(path.join(local, 'keep.txt'), 'mine');
    const run = await cli([`${container.url}/k`, local, '--dry-run']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(path.join(local, 'a.txt'), 'utf8'), 'old', 'a dry run writes nothing');
    assert.equal(jsonSummary(run).downloaded, 1);
  });
});
