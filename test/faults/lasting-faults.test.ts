import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli, type RunOptions } from '../support/cli.js';
import {
  assertBlobConsistent,
  assertContainerMatches,
  fileLines,
  jsonSummary,
  sourceState,
} from '../support/convergence.js';
import {
  COMMIT_BLOCKS,
  connectionStringVia,
  type FaultProxy,
  STAGE_BLOCK,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { blobState, makeTree, md5Base64, pseudoRandomBytes } from '../support/files.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;

describe('faults that do not heal, and a killed run', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl, 99);
  });
  after(() => proxy.stop());

  const sync = (source: string, container: string, extra: string[] = [], options: RunOptions = {}) =>
    runCli([source, '--container', container, '--json', ...extra], {
      ...options,
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });

  it('fails only the files the service keeps refusing, finishes the rest, and deletes nothing', async () => {
    const files: Record<string, Buffer> = { 'media/big.bin': pseudoRandomBytes(20 * MiB, 3) };
    for (let i = 0; i < 12; i++) files[`f${i}.txt`] = pseudoRandomBytes(1000 + i, i + 1);
    const source = makeTree(files);
    const container = await azurite.newContainer();
    for (const extra of ['stale-1.txt', 'stale-2.txt']) await container.uploadBlockBlob(extra, 'old', 3);

    proxy.setRules([
      { method: 'PUT', blob: /^f(3|7)\.txt$/, fault: { kind: 'status', status: 503, code: 'ServerBusy' } },
      { method: 'PUT', blob: /^media\/big\.bin$/, query: STAGE_BLOCK, fault: { kind: 'status', status: 500 } },
    ]);
    const result = await sync(source, container.containerName, ['--delete-destination', '--force']);
    proxy.setRules([]);

    assert.equal(result.code, 1, result.stderr);
    const summary = jsonSummary(result);
    assert.deepEqual([summary.uploaded, summary.failed, summary.deleted], [10, 3, 0]);
    assert.deepEqual(
      summary.failures.map((f) => f.name),
      ['f3.txt', 'f7.txt', 'media/big.bin'],
    );
    for (const failure of summary.failures) assert.match(failure.reason, /^50[03] /);
    assert.match(summary.deletesSkipped ?? '', /3 file\(s\) failed, so none of the 2 extra blob\(s\) were deleted/);
    assert.match(result.stderr, /warning: 3 file\(s\) failed/);

    const state = await blobState(container);
    assert.ok(state.has('stale-1.txt') && state.has('stale-2.txt'), 'extras kept');
    assert.ok(!state.has('media/big.bin') && !state.has('f3.txt'), 'nothing committed for the failed files');

    const healed = await sync(source, container.containerName, ['--delete-destination', '--force']);
    assert.equal(healed.code, 0, healed.stderr);
    assert.deepEqual([jsonSummary(healed).uploaded, jsonSummary(healed).deleted], [3, 2]);
    await assertContainerMatches(container, source);
  });

  it('recovers from SIGKILL mid-upload: the old blob stays whole, the rerun sends only what is missing', async () => {
    const files: Record<string, Buffer> = { 'big.bin': pseudoRandomBytes(48 * MiB, 1) };
    for (let i = 0; i < 30; i++) files[`small/${i}.txt`] = pseudoRandomBytes(3000, 100 + i);
    const source = makeTree(files);
    const container = await azurite.newContainer();
    assert.equal((await sync(source, container.containerName)).code, 0);

    // A new version of the large file and new small files; stall staged blocks so the kill lands between them.
    const v2 = pseudoRandomBytes(48 * MiB, 2);
    writeFileSync(path.join(source, 'big.bin'), v2);
    for (let i = 30; i < 60; i++) writeFileSync(path.join(source, 'small', `${i}.txt`), pseudoRandomBytes(3000, i));
    proxy.setRules([{ method: 'PUT', query: STAGE_BLOCK, fault: { kind: 'delay', ms: 1500, afterUpstream: true } }]);
    const seen = proxy.requests.length;
    const killed = await sync(source, container.containerName, [], {
      onStart: (child) => {
        void proxy
          .waitFor((all) => all.slice(seen).filter((r) => STAGE_BLOCK.test(r.query) && r.outcome).length >= 2)
          .then(() => child.kill('SIGKILL'));
      },
    });
    proxy.setRules([]);
    assert.equal(killed.signal, 'SIGKILL');
    const sent = proxy.requests.slice(seen);
    assert.ok(
      !sent.some((r) => r.method === 'PUT' && COMMIT_BLOCKS.test(r.query)),
      'killed before the block list was committed',
    );

    const big = (await blobState(container)).get('big.bin')!;
    assert.equal(big.md5, md5Base64(files['big.bin']!), 'the committed blob is still the old version');
    await assertBlobConsistent(container, 'big.bin', big.md5);

    const local = sourceState(source);
    const remote = await blobState(container);
    const stale = [...local].filter(([name, file]) => remote.get(name)?.md5 !== file.md5).map(([name]) => name);
    const rerun = await sync(source, container.containerName);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.deepEqual([...fileLines(rerun.stderr, 'uploaded').keys()].sort(), stale.sort());
    assert.equal(jsonSummary(rerun).skipped, local.size - stale.length);
    await assertContainerMatches(container, local);
  });
});

describe('a credential that may list but not write', () => {
  it('stops at the first refused upload with exit 3 and the role hint, and deletes nothing', async () => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const files: Record<string, string> = {};
    // More files than the 64 the CLI sends at once, so stopping early shows.
    for (let i = 0; i < 200; i++) files[`f${i}.txt`] = `file ${i}`;
    const container = await azurite.newContainer();
    // One extra among three blobs keeps the delete under the guard's threshold.
    for (const name of ['extra.txt', 'f0.txt', 'f1.txt']) await container.uploadBlockBlob(name, 'x', 1);
    proxy.setRules([
      { method: 'PUT', fault: { kind: 'status', status: 403, code: 'AuthorizationPermissionMismatch' } },
    ]);
    const result = await runCli([makeTree(files), '--container', container.containerName, '--delete-destination'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) },
    });
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      /refused an upload \(403 AuthorizationPermissionMismatch.*Storage Blob Data Contributor/,
    );
    const puts = proxy.requests.filter((r) => r.method === 'PUT').length;
    assert.ok(puts < 100, `stopped early (${puts} uploads tried)`);
    assert.ok(!proxy.requests.some((r) => r.method === 'DELETE'), 'no delete was tried');
    const remote = await blobState(container);
    assert.deepEqual([...remote.keys()].sort(), ['extra.txt', 'f0.txt', 'f1.txt']);
    assert.ok(
      [...remote.values()].every((blob) => blob.size === 1),
      'no blob was replaced',
    );
  });
});

describe('a listing whose answers always break off', () => {
  it('gives up after a few tries with exit 4 and the network hint, sending nothing else', async () => {
    const proxy = await startFaultProxy(azurite.azurite.serviceUrl);
    after(() => proxy.stop());
    const container = await azurite.newContainer();
    for (const name of ['extra.txt', 'a.txt']) await container.uploadBlockBlob(name, 'x', 1);
    proxy.setRules([{ method: 'GET', query: /(^|&)comp=list(&|$)/, fault: { kind: 'cut-body' } }]);
    const result = await runCli(
      [makeTree({ 'a.txt': 'new', 'b.txt': 'b' }), '--container', container.containerName, '--delete-destination'],
      { env: { AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite) } },
    );
    assert.equal(result.code, 4, result.stderr);
    assert.match(
      result.stderr,
      /kept failing while trying to list the container \(.*broke off midway 6 times.*\)\. .*network path/,
    );
    assert.deepEqual(
      proxy.requests.map((r) => r.method),
      Array(6).fill('GET'),
    );
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['a.txt', 'extra.txt']);
  });
});
