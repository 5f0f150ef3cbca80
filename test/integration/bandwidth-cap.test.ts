import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { assertContainerMatches } from '../support/convergence.js';
import { COMMIT_BLOCKS, connectionStringVia, STAGE_BLOCK, startFaultProxy } from '../support/fault-proxy.js';
import { makeTree, md5Base64, pseudoRandomBytes, tempDir } from '../support/files.js';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const azurite = useAzurite();
const MiB = 1024 * 1024;

describe('--cap-mbps', () => {
  it('sends 40 MiB at --cap-mbps 40 in 8 to 10 seconds, its blocks paced by the cap', async (t) => {
    // The proxy only records when each request arrives: the pacing is read off the wire, not off the process.
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    const source = makeTree({ 'release/app.bin': pseudoRandomBytes(40 * MiB, 3) });
    const result = await runCli([source, '--container', container.containerName, '--cap-mbps', '40'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });
    assert.equal(result.code, 0, result.stderr);
    await assertContainerMatches(container, source);

    // 40 MiB at 5,000,000 bytes a second is 8.39 s: from the run's first request (the listing) to the commit, which
    // follows the last block.
    const first = proxy.requests[0]!.at;
    const commit = proxy.requests.find((r) => r.method === 'PUT' && COMMIT_BLOCKS.test(r.query))!.at;
    const seconds = (commit - first) / 1000;
    t.diagnostic(`40 MiB at 40 Mbps: ${seconds.toFixed(2)} s from the first request to the commit`);
    assert.ok(seconds >= 8 && seconds <= 10, `${seconds.toFixed(2)} s`);
    // Each 8 MiB block goes only once the cap has paid for it: 1.68 s after the one before (a timer never fires early).
    const blocks = proxy.requests.filter((r) => r.method === 'PUT' && STAGE_BLOCK.test(r.query)).map((r) => r.at);
    assert.equal(blocks.length, 5);
    for (let i = 1; i < blocks.length; i++) {
      const gap = blocks[i]! - blocks[i - 1]!;
      assert.ok(gap >= 1600, `block ${i} went ${gap} ms after the one before`);
    }
  });

  describe('downloads', () => {
    /** Uploads the blobs under `folder`, then downloads the folder through a recording proxy with --cap-mbps 40. */
    async function download(folder: string, blobs: Record<string, Buffer>) {
      const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
      after(() => proxy.stop());
      const container = await azurite.newContainer();
      for (const [name, bytes] of Object.entries(blobs)) {
        await container.getBlockBlobClient(`${folder}/${name}`).uploadData(bytes, {
          blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(bytes), 'base64') },
        });
      }
      const local = tempDir();
      const url = `${proxy.serviceUrl}/${container.containerName}/${folder}`;
      const result = await runCli([url, local, '--cap-mbps', '40'], {
        env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
      });
      assert.equal(result.code, 0, result.stderr);
      for (const [name, bytes] of Object.entries(blobs))
        assert.equal(md5Base64(readFileSync(path.join(local, name))), md5Base64(bytes), name);
      return { proxy, local, first: proxy.requests[0]!.at };
    }

    it('downloads 40 MiB (one streamed request) at --cap-mbps 40 in 8 to 10 seconds', async (t) => {
      const { local, first } = await download('release', { 'app.bin': pseudoRandomBytes(40 * MiB, 4) });
      // The file is renamed into place once it is complete: its change time is when the last byte was written.
      const seconds = (statSync(path.join(local, 'app.bin')).ctimeMs - first) / 1000;
      t.diagnostic(`40 MiB down at 40 Mbps: complete ${seconds.toFixed(2)} s after the first request`);
      assert.ok(seconds >= 8 && seconds <= 10, `${seconds.toFixed(2)} s`);
    });

    it('asks for each range only once the cap has paid for it (three files of 8 MiB)', async (t) => {
      const parts = Object.fromEntries([1, 2, 3].map((i) => [`part-${i}.bin`, pseudoRandomBytes(8 * MiB, 10 + i)]));
      const { proxy, first } = await download('parts', parts);
      const reads = proxy.requests.filter((r) => r.method === 'GET' && r.blob.endsWith('.bin')).map((r) => r.at);
      assert.equal(reads.length, 3);
      // 8 MiB at 5,000,000 bytes a second is 1.68 s: the third read is asked for 5.03 s after the run begins.
      const seconds = (Math.max(...reads) - first) / 1000;
      t.diagnostic(
        `3 x 8 MiB down at 40 Mbps: the last read asked for ${seconds.toFixed(2)} s after the first request`,
      );
      assert.ok(seconds >= 4.9 && seconds <= 6.5, `${seconds.toFixed(2)} s`);
      const sorted = [...reads].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i]! - sorted[i - 1]! >= 1600, `read ${i} came too soon`);
    });
  });

  for (const bad of ['0', '-5', 'fast', '10Mbps']) {
    it(`refuses --cap-mbps ${bad} as a usage error with a hint, before sending anything`, async () => {
      const result = await runCli([makeTree({ 'a.txt': 'a' }), '--container', 'site', `--cap-mbps=${bad}`], {
        env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /bandwidth cap ".*" is not a positive number of megabits a second/);
      assert.match(result.stderr, /Give --cap-mbps a number such as 40/);
    });
  }
});
