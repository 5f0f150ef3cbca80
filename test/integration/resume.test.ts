import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { CANNOT_RESUME } from '../../src/engine/transfer/resume.js';
import { resolveSyncOptions } from '../../src/engine/options.js';
import { accountsOf } from '../support/accounts.js';
import { useAzurite } from '../support/azurite.js';
import { runCli, type RunOptions } from '../support/cli.js';
import {
  COMMIT_BLOCKS,
  connectionStringVia,
  type FaultProxy,
  type RecordedRequest,
  STAGE_BLOCK,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';
import { syncFolder } from '../support/folder-sync.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;
/** The default block size: a 64 MiB file is 8 blocks. */
const BLOCK = 8 * MiB;

/** Request body bytes the proxy passed on for Put Block and Put Blob. */
function bytesSent(requests: readonly RecordedRequest[]): number {
  return requests.filter((r) => r.method === 'PUT' && !COMMIT_BLOCKS.test(r.query)).reduce((s, r) => s + r.bytesIn, 0);
}

async function download(container: ContainerClient, name: string): Promise<Buffer> {
  return container.getBlobClient(name).downloadToBuffer();
}

describe('resuming a large upload with no local state', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl, 7);
  });
  after(() => proxy.stop());

  const cli = (source: string, container: string, extra: string[] = [], options: RunOptions = {}) =>
    runCli([source, '--container', container, '--json', ...extra], {
      ...options,
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });

  it('finishes a killed upload in a new process, sending only the blocks the service lacks', async () => {
    const big = pseudoRandomBytes(8 * BLOCK, 21);
    const source = makeTree({ 'exports/big.bin': big });
    const container = await azurite.newContainer();
    // Five blocks go through, the other three are held until the process is killed.
    proxy.setRules([
      { method: 'PUT', query: STAGE_BLOCK, times: 5, fault: { kind: 'delay', ms: 0 } },
      { method: 'PUT', query: STAGE_BLOCK, fault: { kind: 'delay', ms: 600_000 } },
    ]);
    const seen = proxy.requests.length;
    const killed = await cli(source, container.containerName, [], {
      onStart: (child) => {
        void proxy
          .waitFor((all) => all.slice(seen).filter((r) => STAGE_BLOCK.test(r.query) && r.outcome === 201).length >= 5)
          .then(() => child.kill('SIGKILL'));
      },
    });
    proxy.setRules([]);
    assert.equal(killed.signal, 'SIGKILL');
    const staged = await container.getBlockBlobClient('exports/big.bin').getBlockList('uncommitted');
    assert.equal(staged.uncommittedBlocks?.length, 5, 'five blocks staged, nothing committed');

    const mark = proxy.requests.length;
    const resumed = await cli(source, container.containerName);
    assert.equal(resumed.code, 0, resumed.stderr);
    const sent = bytesSent(proxy.requests.slice(mark));
    assert.equal(sent, 3 * BLOCK, 'only the three missing blocks');
    assert.ok(sent <= 0.45 * big.length);
    const summary = JSON.parse(resumed.stdout);
    assert.deepEqual(
      [summary.uploaded, summary.bytesUploaded, summary.bytesResumed, summary.bytesSent],
      [1, big.length, 5 * BLOCK, 3 * BLOCK],
    );
    assert.ok((await download(container, 'exports/big.bin')).equals(big), 'the blob is the file, byte for byte');
    const properties = await container.getBlobClient('exports/big.bin').getProperties();
    assert.equal(Buffer.from(properties.contentMD5!).toString('base64'), md5Base64(big));
  });

  it('says once that it cannot resume with a SAS that may not read, and sends the whole file', async () => {
    const files = { 'a.bin': pseudoRandomBytes(2 * BLOCK, 22), 'b.bin': pseudoRandomBytes(2 * BLOCK + 1, 23) };
    const source = makeTree(files);
    const container = await azurite.newContainer();
    // An earlier run staged one block of each before it stopped (a refused block ends it at once).
    proxy.setRules([
      { method: 'PUT', query: STAGE_BLOCK, blob: /a\.bin/, times: 1, fault: { kind: 'delay', ms: 0 } },
      { method: 'PUT', query: STAGE_BLOCK, blob: /b\.bin/, times: 1, fault: { kind: 'delay', ms: 0 } },
      { method: 'PUT', query: STAGE_BLOCK, fault: { kind: 'status', status: 400, code: 'InvalidHeaderValue' } },
    ]);
    const interrupted = await cli(source, container.containerName, ['--concurrency', '1']);
    proxy.setRules([]);
    assert.equal(interrupted.code, 1);

    const sas = accountsOf(azurite).sas(container, 'wl');
    const mark = proxy.requests.length;
    const whole = await runCli([source, `${proxy.serviceUrl}/${container.containerName}?${sas}`, '--json']);
    assert.equal(whole.code, 0, whole.stderr);
    assert.equal(whole.stderr.split(CANNOT_RESUME).length - 1, 1, 'said once');
    assert.equal(bytesSent(proxy.requests.slice(mark)), files['a.bin'].length + files['b.bin'].length);
    assert.ok(!proxy.requests.slice(mark).some((r) => /comp=blocklist/.test(r.query) && r.method === 'GET'));
    for (const [name, content] of Object.entries(files)) assert.ok((await download(container, name)).equals(content));
  });
});

describe("another tool's uncommitted blocks", () => {
  it('do not make the upload fail, whatever their ID length, and are gone after the commit', async () => {
    const big = pseudoRandomBytes(BLOCK + 5, 24);
    const source = makeTree({ 'big.bin': big });
    for (const foreign of [
      'YWFhYQ==',
      Buffer.alloc(48, 9).toString('base64'),
      Buffer.alloc(15, 1).toString('base64'),
    ]) {
      const container = await azurite.newContainer();
      const blob = container.getBlockBlobClient('big.bin');
      await blob.stageBlock(foreign, Buffer.from('left by another tool'), 20);
      const summary = await syncFolder(resolveSyncOptions({ source }), { container, label: container.url });
      assert.deepEqual([summary.uploaded, summary.failed], [1, 0], foreign);
      assert.ok((await download(container, 'big.bin')).equals(big), foreign);
      const list = await blob.getBlockList('all');
      assert.deepEqual(list.uncommittedBlocks, [], 'the commit dropped the leftovers');
      for (const block of list.committedBlocks ?? []) {
        assert.equal(Buffer.from(block.name, 'base64').length, Buffer.from(foreign, 'base64').length);
      }
    }
  });

  it('do not make a small new file fail either, with --immutable (Azurite takes them for a blob)', async () => {
    const container = await azurite.newContainer();
    await container.getBlockBlobClient('small.txt').stageBlock('YWFhYQ==', Buffer.from('left over'), 9);
    const source = makeTree({ 'small.txt': 'published' });
    const summary = await syncFolder(resolveSyncOptions({ source, immutable: true }), {
      container,
      label: container.url,
    });
    assert.deepEqual([summary.uploaded, summary.failed], [1, 0]);
    assert.equal((await download(container, 'small.txt')).toString(), 'published');
  });
});
