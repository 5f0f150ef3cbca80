import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { assertBlobConsistent, assertContainerMatches, jsonSummary } from '../support/convergence.js';
import { connectionStringVia, type FaultProxy, STAGE_BLOCK, startFaultProxy } from '../support/fault-proxy.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;

describe('a file that changes or disappears while it is uploaded', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl);
  });
  after(() => proxy.stop());

  /**
   * Holds the first upload request of `name` at the proxy, runs `meddle` while it is held, and returns the run's
   * result. `query` picks Put Block over Put Blob.
   */
  async function syncWhileMeddling(source: string, name: string, query: RegExp | undefined, meddle: () => void) {
    const container = await azurite.newContainer();
    const blob = new RegExp(`^${name.replace('.', '\\.')}$`);
    proxy.setRules([{ method: 'PUT', blob, query, times: 1, fault: { kind: 'delay', ms: 1500 } }]);
    const seen = proxy.requests.length;
    const held = proxy.waitFor((all) => all.slice(seen).some((r) => r.blob === name && r.fault === 'delay'));
    const run = runCli([source, '--container', container.containerName, '--json'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });
    await held;
    meddle();
    const result = await run;
    proxy.setRules([]);
    return { container, result, summary: jsonSummary(result) };
  }

  const cases = [
    { label: 'a single-request file', name: 'page.html', size: 200_000, query: undefined },
    { label: 'a file sent in blocks', name: 'movie.bin', size: 20 * MiB, query: STAGE_BLOCK },
  ];
  for (const { label, name, size, query } of cases) {
    it(`reports ${label} that changed mid-upload and never commits mixed content`, async () => {
      const v1 = pseudoRandomBytes(size, 1);
      const v2 = pseudoRandomBytes(size, 2);
      const source = makeTree({ [name]: v1, 'other.txt': 'steady' });
      const { container, result, summary } = await syncWhileMeddling(source, name, query, () =>
        writeFileSync(path.join(source, name), v2),
      );
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual([summary.uploaded, summary.failed], [1, 1]);
      // writeFileSync truncates first, so a block read may see the file shorter before it sees it different.
      assert.match(summary.failures[0]!.reason, /(changed|shrank) while it was being uploaded/);
      const committed = (await blobState(container)).get(name);
      if (committed) {
        // A single request carries the bytes read before the change: one whole version, with its own MD5.
        const bytes = await assertBlobConsistent(container, name, committed.md5);
        assert.ok(bytes.equals(v1) || bytes.equals(v2), 'one whole version');
      }
      if (query) assert.equal(committed, undefined, 'no block list was committed');

      const rerun = await runCli([source, '--container', container.containerName], {
        env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      });
      assert.equal(rerun.code, 0, rerun.stderr);
      assert.equal((await blobState(container)).get(name)?.md5, md5Base64(v2));
      await assertContainerMatches(container, source);
    });

    it(`reports ${label} that disappeared mid-upload`, async () => {
      const source = makeTree({ [name]: pseudoRandomBytes(size, 3), 'other.txt': 'steady' });
      const { container, result, summary } = await syncWhileMeddling(source, name, query, () =>
        rmSync(path.join(source, name)),
      );
      assert.equal(result.code, 1, result.stderr);
      assert.deepEqual([summary.uploaded, summary.failed], [1, 1]);
      assert.match(summary.failures[0]!.reason, /disappeared while it was being uploaded/);
      const committed = (await blobState(container)).get(name);
      if (committed) await assertBlobConsistent(container, name, committed.md5);
      if (query) assert.equal(committed, undefined, 'no block list was committed');
    });
  }
});
