import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { assertBlobConsistent, assertContainerMatches, jsonSummary, sourceState } from '../support/convergence.js';
import { makeTree, pseudoRandomBytes } from '../support/files.js';

const azurite = useAzurite();

const SMALL_FILES = 20_000;
const FOLDERS = 100;
const LARGE = ['media/intro.mp4', 'media/demo.webm', 'downloads/app.tar.gz'];
const LARGE_SIZE = 40 * 2 ** 20;
/**
 * Memory is the point here, not speed: the CLI streams, hashes in bounded chunks and keeps one record per file, so
 * 20,000 entries and 120 MiB of large files must stay well under what a CI runner can spare. Measured 276-367 MB
 * over four runs (the garbage collector's timing moves it); holding the large files in memory would add 120 MiB.
 */
const RSS_LIMIT_MB = 450;

function loadTree(): string {
  const files: Record<string, string | Buffer> = {};
  for (let i = 0; i < SMALL_FILES; i++) {
    const text = `file ${i} `.repeat(10 + (i % 200));
    files[`pages/${String(i % FOLDERS).padStart(2, '0')}/page-${i}.html`] = text;
  }
  LARGE.forEach((name, i) => (files[name] = pseudoRandomBytes(LARGE_SIZE + i, 100 + i)));
  return makeTree(files);
}

describe('load: 20,000 small files and three 40 MiB files in one run', () => {
  it('completes with bounded memory, and the re-run skips everything', async (t) => {
    const source = loadTree();
    const local = sourceState(source);
    const container = await azurite.newContainer();
    const args = [source, '--container', container.containerName, '--json'];
    const options = {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      sampleMemory: true,
      timeoutMs: 600_000,
    };

    const first = await runCli(args, options);
    assert.equal(first.code, 0, first.stderr.slice(-2000));
    const summary = jsonSummary(first);
    assert.deepEqual([summary.uploaded, summary.failed, summary.skipped], [local.size, 0, 0]);
    t.diagnostic(
      `first run: ${summary.uploaded} files in ${(summary.durationMs / 1000).toFixed(1)} s, peak RSS ${first.peakRssMB?.toFixed(0)} MB`,
    );
    await assertContainerMatches(container, local, { downloadContent: false });
    for (const name of LARGE) await assertBlobConsistent(container, name, local.get(name)?.md5);

    const again = await runCli(args, options);
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    const rerun = jsonSummary(again);
    assert.deepEqual([rerun.uploaded, rerun.updated, rerun.skipped], [0, 0, local.size]);
    t.diagnostic(
      `re-run: ${rerun.skipped} skipped in ${(rerun.durationMs / 1000).toFixed(1)} s, peak RSS ${again.peakRssMB?.toFixed(0)} MB`,
    );

    if (first.peakRssMB === undefined) t.diagnostic('peak RSS not measured: no /proc on this system');
    for (const run of [first, again]) {
      if (run.peakRssMB !== undefined) assert.ok(run.peakRssMB < RSS_LIMIT_MB, `peak RSS ${run.peakRssMB} MB`);
    }
  });
});
