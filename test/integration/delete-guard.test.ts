import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { GuardError } from '../../src/engine/errors.js';
import { syncFolder } from '../support/folder-sync.js';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import type { DeleteDecision } from '../../src/engine/types.js';
import { useAzurite } from '../support/azurite.js';
import { blobState, makeTree } from '../support/files.js';

const azurite = useAzurite();

async function run(container: ContainerClient, raw: RawSyncOptions) {
  const decisions: DeleteDecision[] = [];
  const summary = await syncFolder(
    resolveSyncOptions({ deleteDestination: true, ...raw }),
    { container, label: container.url },
    { guard: (decision) => decisions.push(decision) },
  );
  return { summary, decisions };
}

async function seed(container: ContainerClient, names: readonly string[]): Promise<void> {
  await Promise.all(names.map((name) => container.uploadBlockBlob(name, `old ${name}`, `old ${name}`.length)));
}

/** A built site: pages plus `count` hashed assets whose names change with `build`. */
function site(pages: number, assets: number, build: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < pages; i++) files[i === 0 ? 'index.html' : `page-${i}/index.html`] = `<p>${i}</p>`;
  for (let i = 0; i < assets; i++) files[`assets/chunk-${i}.${build}.js`] = `export default ${i}; // ${build}`;
  return files;
}

describe('the delete guard weighs the source against what is deployed (Azurite)', () => {
  it('lets a first mirror delete the one left-over blob while 66 files upload', async () => {
    const container = await azurite.newContainer();
    await seed(container, ['site/old-index.html', 'elsewhere/keep.txt']);
    const files = site(6, 60, 'a1b2');
    const { summary, decisions } = await run(container, { source: makeTree(files), destinationPath: 'site' });

    assert.deepEqual([summary.uploaded, summary.deleted, summary.failed], [66, 1, 0]);
    assert.deepEqual(decisions, [
      {
        deployed: 1,
        deleting: 1,
        sourceFiles: 66,
        remaining: 66,
        shrink: 0,
        threshold: 0.5,
        verdict: 'allowed',
        items: 'blobs',
      },
    ]);
    assert.deepEqual(summary.deleteGuard, decisions[0]);
    const names = [...(await blobState(container)).keys()];
    assert.equal(names.length, 67);
    assert.ok(names.includes('elsewhere/keep.txt') && !names.includes('site/old-index.html'));
  });

  it('lets a rebuild replace 20 of 25 blobs when the bundler renamed every hashed asset', async () => {
    const container = await azurite.newContainer();
    const before = site(5, 20, 'v1');
    await run(container, { source: makeTree(before) });
    const after = site(5, 20, 'v2');

    const { summary, decisions } = await run(container, { source: makeTree(after) });
    assert.deepEqual([summary.uploaded, summary.skipped, summary.deleted], [20, 5, 20]);
    assert.equal(decisions[0]?.deployed, 25);
    assert.equal(decisions[0]?.deleting, 20, 'deletes 80% of the blobs in scope');
    assert.equal(decisions[0]?.remaining, 25);
    assert.equal(decisions[0]?.verdict, 'allowed');
    assert.deepEqual([...(await blobState(container)).keys()].sort(), Object.keys(after).sort());
  });

  it('refuses a broken build of 1 file where 200 are deployed, changing nothing, unless forced', async () => {
    const container = await azurite.newContainer();
    const deployed = Object.keys(site(10, 190, 'live'));
    await seed(container, deployed);
    const broken = makeTree({ 'index.html': '<p>build failed halfway</p>' });

    await assert.rejects(run(container, { source: broken }), (error: unknown) => {
      assert.ok(error instanceof GuardError);
      assert.match(
        error.message,
        /^Refusing to delete 199 of the 200 blobs in scope: the source has 1 file and 1 blob would remain \(99\.5% fewer than deployed\), more than the 50% threshold\. Nothing was changed\.$/,
      );
      assert.match(error.hint ?? '', /raise deleteThreshold or pass force/);
      return true;
    });
    const state = await blobState(container);
    assert.equal(state.size, 200);
    assert.equal(state.get('index.html')?.size, 'old index.html'.length, 'not even the upload was sent');

    // 99.5% is within a 100% threshold; force allows any share.
    const raised = await run(container, { source: broken, dryRun: true, deleteThreshold: '100%' });
    assert.equal(raised.decisions[0]?.verdict, 'allowed');
    const forced = await run(container, { source: broken, force: true });
    assert.equal(forced.decisions[0]?.verdict, 'forced');
    assert.deepEqual([...(await blobState(container)).keys()], ['index.html']);
  });

  it('still refuses an empty source, even with force', async () => {
    const container = await azurite.newContainer();
    await seed(container, ['index.html']);
    await assert.rejects(
      run(container, { source: makeTree({}), force: true }),
      (error: unknown) => error instanceof GuardError && /matched no files/.test(error.message),
    );
    assert.equal((await blobState(container)).size, 1);
  });
});
