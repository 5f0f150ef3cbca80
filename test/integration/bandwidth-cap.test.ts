import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { assertContainerMatches } from '../support/convergence.js';
import { connectionStringVia, STAGE_BLOCK, startFaultProxy } from '../support/fault-proxy.js';
import { makeTree, md5Base64, pseudoRandomBytes, tempDir } from '../support/files.js';
import { readFileSync } from 'node:fs';
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
    const commit = proxy.requests.find((r) => /comp=blocklist/.test(r.query))!.at;
    const seconds = (commit - first) / 1000;
    t.diagnostic(`40 MiB at 40 Mbps: ${seconds.toFixed(2)} s from the first request to the commit`);
    assert.ok(seconds >= 8 && seconds <= 10, `${seconds.toFixed(2)} s`);
    // Each 8 MiB block goes only once the cap has paid for it: 1.68 s after the one before (a timer never fires early).
    const blocks = proxy.requests.filter((r) => STAGE_BLOCK.test(r.query)).map((r) => r.at);
    assert.equal(blocks.length, 5);
    for (let i = 1; i < blocks.length; i++) {
      const gap = blocks[i]! - blocks[i - 1]!;
      assert.ok(gap >= 1600, `block ${i} went ${gap} ms after the one before`);
    }
  });

  it('downloads 40 MiB at --cap-mbps 40 in 8 to 10 seconds, its ranges paced by the cap', async (t) => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    const bytes = pseudoRandomBytes(40 * MiB, 4);
    await container.getBlockBlobClient('release/app.bin').uploadData(bytes, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(bytes), 'base64') },
    });
    const local = tempDir();
    const url = `${proxy.serviceUrl}/${container.containerName}/release`;
    const result = await runCli([url, local, '--cap-mbps', '40'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(md5Base64(readFileSync(path.join(local, 'app.bin'))), md5Base64(bytes));

    // Each 8 MiB range is asked for only once the cap has paid for it: the last 8.39 s after the first.
    const first = proxy.requests[0]!.at;
    const ranges = proxy.requests.filter((r) => r.method === 'GET' && r.blob.endsWith('app.bin')).map((r) => r.at);
    assert.equal(ranges.length, 5);
    const seconds = (ranges.at(-1)! - first) / 1000;
    t.diagnostic(`40 MiB down at 40 Mbps: the last range asked for ${seconds.toFixed(2)} s after the first request`);
    assert.ok(seconds >= 8 && seconds <= 10, `${seconds.toFixed(2)} s`);
    for (let i = 1; i < ranges.length; i++) {
      const gap = ranges[i]! - ranges[i - 1]!;
      assert.ok(gap >= 1600, `range ${i} was asked for ${gap} ms after the one before`);
    }
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
