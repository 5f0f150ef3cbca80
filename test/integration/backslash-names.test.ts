import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';

const azurite = useAzurite();

/** The bundled CLI into a folder of a container with the emulator's connection string, the summary on stdout. */
function sync(source: string, container: string, ...flags: string[]) {
  return runCli([source, '--container', container, '--destination-path', 'site', '--json', '--verbose', ...flags], {
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
  });
}

// On Linux and macOS a backslash is an ordinary character in a file name; the service turns it into '/'.
describe('local names with a backslash', () => {
  it('are the blobs the service stores, so runs with deletes converge: nothing uploaded, nothing failed', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('site/index.html', 'old', 3);
    await container.uploadBlockBlob('site/stale.txt', 'old', 3);
    const source = makeTree({ 'docs\\guide.txt': 'guide', 'a\\b\\c.txt': 'deep', 'index.html': '<p>hi</p>' });

    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await sync(source, container.containerName, '--delete-destination'));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    const [first, second, third] = runs.map(jsonSummary);
    assert.deepEqual([first!.uploaded, first!.deleted, first!.failed], [3, 1, 0]);
    for (const again of [second!, third!])
      assert.deepEqual([again.uploaded, again.updated, again.skipped, again.deleted, again.failed], [0, 0, 3, 0, 0]);

    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), ['site/a/b/c.txt', 'site/docs/guide.txt', 'site/index.html']);
    assert.equal(state.get('site/docs/guide.txt')?.md5, md5Base64('guide'));
    // --verbose says which file became which blob, on every run.
    for (const run of runs)
      assert.match(
        run.stderr,
        /^docs\\guide\.txt: stored as "docs\/guide\.txt" \(the service turns "\\" into "\/"\)$/m,
      );
  });

  it('is a collision beside the same name with "/": one fails with the reason, the other syncs, nothing is deleted', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('site/extra.txt', 'extra', 5);
    const source = makeTree({ 'a\\b.txt': 'backslash', 'a/b.txt': 'slash', 'c.txt': 'c' });

    for (const flags of [['--dry-run'], []]) {
      const run = await sync(source, container.containerName, '--delete-destination', '--force', ...flags);
      assert.equal(run.code, 1, run.stderr);
      const summary = jsonSummary(run);
      assert.equal(summary.failed, 1);
      assert.deepEqual(summary.failures, [
        {
          name: 'a\\b.txt',
          reason:
            'collides with "a/b.txt": the service turns "\\" into "/", so both would be "a/b.txt"; rename one (only "a/b.txt" is synced)',
        },
      ]);
      assert.equal(summary.deleted, 0);
      assert.match(summary.deletesSkipped ?? '', /1 file\(s\) failed, so none of the 1 extra blob\(s\)/);
    }
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), ['site/a/b.txt', 'site/c.txt', 'site/extra.txt']);
    assert.equal(state.get('site/a/b.txt')?.md5, md5Base64('slash'), 'the file named a/b.txt won');
  });

  it('fails a name ending in a backslash, which would become a folder marker, and syncs the rest', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'notes\\': 'n', 'ok.txt': 'ok' });
    const run = await sync(source, container.containerName);
    assert.equal(run.code, 1, run.stderr);
    const summary = jsonSummary(run);
    assert.deepEqual(summary.failures, [
      {
        name: 'notes\\',
        reason:
          'the service turns "\\" into "/", and a blob name ending in "/" is a folder marker, so it would not round-trip; rename the file, or leave it out with an exclude pattern; it was not sent',
      },
    ]);
    assert.deepEqual([...(await blobState(container)).keys()], ['site/ok.txt']);
  });
});
