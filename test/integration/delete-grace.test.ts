import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { GuardError } from '../../src/engine/errors.js';
import { syncFolder } from '../support/folder-sync.js';
import { GRACE_STATE_NAME, parseGrace } from '../../src/engine/guards/grace.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree } from '../support/files.js';

const azurite = useAzurite();
const GRACE = '3s';
const STATE = `site/${GRACE_STATE_NAME}`;

function run(container: ContainerClient, files: Record<string, string>, raw: Partial<RawSyncOptions> = {}) {
  const options = resolveSyncOptions({
    source: makeTree(files),
    destinationPath: 'site',
    deleteDestination: true,
    deleteGrace: GRACE,
    ...raw,
  });
  return syncFolder(options, { container, label: container.url });
}

async function savedState(container: ContainerClient): Promise<{ names: string[]; etag?: string }> {
  const client = container.getBlobClient(STATE);
  const state = parseGrace(await client.downloadToBuffer());
  assert.equal(state.damaged, false);
  return { names: [...state.state.keys()].sort(), etag: (await client.getProperties()).etag };
}

const names = async (container: ContainerClient) => [...(await blobState(container, 'site/')).keys()].sort();

describe('the delete grace across runs (Azurite, a grace of 3 s)', () => {
  it('keeps replaced blobs for the grace, counted from the first run that found them absent', async () => {
    const container = await azurite.newContainer();
    const v1 = { 'index.html': '<script src=a.1.js>', 'a.1.js': '1', 'b.js': 'b' };
    await run(container, v1, { deleteGrace: '0' });

    // A rebuild renames a.1.js and drops b.js: both stay, the state records them.
    const v2 = { 'index.html': '<script src=a.2.js>', 'a.2.js': '2' };
    const first = await run(container, v2);
    const started = Date.now();
    assert.deepEqual([first.uploaded, first.deleted], [2, 0]);
    assert.equal(first.deleteGrace?.kept, 2);
    assert.equal(first.deleteGrace?.state, 'saved');
    const nextAt = Date.parse(first.deleteGrace!.nextDeleteAt!);
    assert.ok(
      Math.abs(nextAt - (started + 3000)) < 1500,
      `next may go about 3 s from now: ${first.deleteGrace?.nextDeleteAt}`,
    );
    assert.deepEqual((await savedState(container)).names, ['a.1.js', 'b.js']);
    assert.ok(!first.changedBlobs.includes(STATE), 'the state is not a change of the site');

    // b.js comes back within the grace: it is no longer counted as absent. a.1.js keeps its first time.
    const v3 = { ...v2, 'b.js': 'b' };
    const second = await run(container, v3);
    assert.deepEqual([second.uploaded, second.skipped, second.deleted, second.deleteGrace?.kept], [0, 3, 0, 1]);
    assert.equal(second.deleteGrace?.nextDeleteAt, first.deleteGrace?.nextDeleteAt);
    const before = await savedState(container);
    assert.deepEqual(before.names, ['a.1.js']);

    // A dry run says what it would keep and saves nothing.
    const dry = await run(container, v3, { dryRun: true });
    assert.equal(dry.deleteGrace?.state, 'not saved');
    assert.equal((await savedState(container)).etag, before.etag);

    // Once the grace has passed, a.1.js goes; b.js, absent again, starts a grace of its own.
    await sleep(Math.max(0, nextAt - Date.now()) + 200);
    const third = await run(container, v2);
    assert.deepEqual([third.deleted, third.deleteGrace?.kept], [1, 1]);
    assert.ok(third.changedBlobs.includes('site/a.1.js'));
    assert.deepEqual(await names(container), ['site/a.2.js', 'site/b.js', 'site/index.html', STATE].sort());
    assert.deepEqual((await savedState(container)).names, ['b.js']);

    // A run without a grace deletes at once, and never the state blob.
    const plain = await run(container, v2, { deleteGrace: '0' });
    assert.equal(plain.deleted, 1);
    assert.deepEqual(await names(container), ['site/a.2.js', 'site/index.html', STATE].sort());
  });

  it('lets the guard weigh only what the run really deletes: a broken build is kept, then refused', async () => {
    const container = await azurite.newContainer();
    const site = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`page-${i}.html`, `<p>${i}</p>`]));
    await run(container, site, { deleteGrace: '0' });
    const broken = { 'page-0.html': '<p>0</p>' };

    const held = await run(container, broken, { deleteGrace: '1s' });
    assert.deepEqual([held.deleted, held.deleteGrace?.kept, held.deleteGuard], [0, 29, undefined]);
    await sleep(1200);
    await assert.rejects(run(container, broken, { deleteGrace: '1s' }), (error: unknown) => {
      assert.ok(error instanceof GuardError);
      assert.match(error.message, /^Refusing to delete 29 of the 30 blobs in scope/);
      return true;
    });
    assert.equal((await names(container)).length, 31, 'all 30 pages and the state');
  });

  it('CLI: --delete-grace, the kept blobs in the summary, in --json and below a dry run’s plan', async () => {
    const container = await azurite.newContainer();
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const args = (files: Record<string, string>) => [
      makeTree(files),
      '--container',
      container.containerName,
      '--destination-path',
      'site',
      '--delete-destination',
      '--delete-grace',
      '12h',
    ];
    assert.equal((await runCli(args({ 'a.js': 'a', 'index.html': 'i' }), { env })).code, 0);
    const text = await runCli(args({ 'index.html': 'i' }), { env });
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^ {2}kept 1 blob absent from the source for the 12h delete grace; the next may go after 20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m,
    );

    const dry = await runCli([...args({ 'index.html': 'i' }), '--dry-run'], { env });
    assert.match(dry.stdout, /^would keep {4}a\.js \(absent since \S+Z; may go after \S+Z\)$/m);
    const json = JSON.parse((await runCli([...args({ 'index.html': 'i' }), '--json'], { env })).stdout);
    assert.equal(json.deleteGrace.kept, 1);
    assert.equal(json.deleteGrace.graceMs, 12 * 3_600_000);
    assert.equal(json.deleted, 0);

    const bad = await runCli([...args({ 'index.html': 'i' }).slice(0, -1), '1 week'], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /The delete grace "1 week" is not a duration.*--delete-grace: 90s, 30m, 12h or 7d/);
  });
});
