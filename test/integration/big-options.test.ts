import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCache } from '../../src/engine/local/hash-cache-file.js';
import { useAzurite } from '../support/azurite.js';
import { runTask } from '../support/azure-devops-task.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree, md5Base64, tempDir } from '../support/files.js';
import { runAction } from '../support/github-action.js';

const azurite = useAzurite();

const RELEASE = {
  'site/index.html': '<h1>v1</h1>',
  'site/app.js': 'console.log(1)',
  'site/notes.txt': 'release notes',
};

function isCache(file: string): boolean {
  return existsSync(file) && readCache(readFileSync(file)).kind === 'cache';
}

/**
 * --hash-cache and --immutable on each entry point. The files are written, then left alone for longer than the hash
 * cache's settling time, as a persistent folder's are (a file changed just before a run is not remembered).
 */
describe('the hash cache and immutable releases on every entry point', () => {
  const workspaces = Array.from({ length: 3 }, () => makeTree(RELEASE));
  before(() => sleep(3100));

  it('CLI: --hash-cache spares unchanged files the hashing, and is refused inside the source', async () => {
    const container = await azurite.newContainer();
    const source = path.join(workspaces[0]!, 'site');
    const cache = path.join(tempDir(), 'site.hash-cache');
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const sync = (extra: string[] = []) =>
      runCli([source, '--container', container.containerName, '--hash-cache', cache, '--verbose', ...extra], { env });

    const first = await sync();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /hash cache: 0 of 3 file\(s\) unchanged since it was written/);
    assert.ok(isCache(cache));
    // An unchanged re-sync: nothing read to be hashed.
    const second = await sync();
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /hash cache: 3 of 3 file\(s\) unchanged/);
    assert.doesNotMatch(second.stdout, /hashed \d+ local file/);
    assert.match(second.stdout, /skipped +3/);

    const inside = await runCli([source, '--container', container.containerName, '--hash-cache', 'site.cache'], {
      env,
      cwd: source,
    });
    assert.equal(inside.code, 2, inside.stderr);
    assert.match(
      inside.stderr,
      /The hash cache "site\.cache" is inside the source folder .*Keep it outside the source/,
    );

    const fromContainer = await runCli(
      [`${container.url}/site`, '--container', container.containerName, '--hash-cache', cache],
      { env },
    );
    assert.equal(fromContainer.code, 2, fromContainer.stderr);
    assert.match(fromContainer.stderr, /--hash-cache was given, but the source is a container folder/);
  });

  it('Action: immutable fails a changed release file with exit 7, hash-cache is kept beside the checkout', async () => {
    const container = await azurite.newContainer();
    const workspace = workspaces[1]!;
    const inputs = {
      source: 'site',
      container: container.containerName,
      'destination-path': 'releases/v1',
      'connection-string': azurite.azurite.connectionString,
      immutable: 'true',
      'hash-cache': 'caches/site.hash-cache',
    };
    const first = await runAction(inputs, { workspace });
    assert.equal(first.code, 0, first.log);
    assert.ok(isCache(path.join(workspace, 'caches/site.hash-cache')), 'relative to the workspace');

    writeFileSync(path.join(workspace, 'site/notes.txt'), 'other notes');
    const second = await runAction(inputs, { workspace });
    assert.equal(second.code, 7, second.log);
    assert.match(second.log, /::debug::hash cache: 2 of 3 file\(s\) unchanged/);
    assert.match(second.errors.join('\n'), /notes\.txt: differs from the blob already there; left as it is/);
    assert.match(second.summary, /1 file\(s\) differ from the blobs already there; the destination is immutable/);
    assert.equal(second.outputs.failed, '1');
    const state = await blobState(container);
    assert.equal(state.get('releases/v1/notes.txt')?.md5, md5Base64('release notes'));

    const refused = await runAction({ ...inputs, 'delete-destination': 'true' }, { workspace });
    assert.equal(refused.code, 2);
    assert.match(refused.errors.join('\n'), /`immutable: true` and `delete-destination: true` contradict each other/);
    const previews = await runAction({ ...inputs, preview: 'true' }, { workspace });
    assert.equal(previews.code, 2);
    assert.match(previews.errors.join('\n'), /`immutable: true` and `preview: true` contradict each other/);
  });

  it('task: immutable fails a changed release file with exit 7, hashCache is kept beside the checkout', async () => {
    const container = await azurite.newContainer();
    const workingDirectory = workspaces[2]!;
    const inputs = {
      authenticationType: 'connectionString',
      connectionString: azurite.azurite.connectionString,
      containerName: container.containerName,
      sourcePath: 'site',
      destinationPath: 'releases/v1',
      immutable: 'true',
      hashCache: 'caches/site.hash-cache',
    };
    const first = await runTask(inputs, { workingDirectory });
    assert.equal(first.result?.result, 'Succeeded', first.log);
    assert.ok(isCache(path.join(workingDirectory, 'caches/site.hash-cache')));

    writeFileSync(path.join(workingDirectory, 'site/app.js'), 'console.log(2)');
    const second = await runTask(inputs, { workingDirectory });
    assert.equal(second.code, 7, second.log);
    assert.equal(second.result?.result, 'Failed');
    assert.match(second.result?.message ?? '', /app\.js: differs from the blob already there/);
    assert.match(second.log, /hash cache: 2 of 3 file\(s\) unchanged/);
    assert.equal(second.outputs.failed, '1');
  });
});
