import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';
import { runTask } from '../support/azure-devops-task.js';

const azurite = useAzurite();

/** A deployed folder `site/` where the next build adds a page, edits one, re-heads one and drops one. */
async function deployed(container: ContainerClient): Promise<void> {
  const put = (name: string, body: string, contentType: string) =>
    container.uploadBlockBlob(name, body, body.length, { blobHTTPHeaders: { blobContentType: contentType } });
  await put('site/index.html', '<p>old</p>', 'text/html; charset=utf-8');
  await put('site/docs/index.html', '<p>docs</p>', 'text/html; charset=utf-8');
  await put('site/app.css', 'p{}', 'text/plain');
  await put('site/gone.js', 'x', 'text/javascript; charset=utf-8');
  await put('other/untouched.txt', 'x', 'text/plain; charset=utf-8');
}

const BUILD = {
  'index.html': '<p>new</p>', // changed
  'docs/index.html': '<p>docs</p>', // unchanged
  'app.css': 'p{}', // headers only
  'new page.html': '<p>spaces</p>', // new
};
const CHANGED = ['site/app.css', 'site/gone.js', 'site/index.html', 'site/new page.html'];

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1);

describe('the changed-paths file, named by every entry point', () => {
  it('Action: the output changed-paths-file lists the uploaded, updated and deleted blobs', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const inputs = {
      source: 'dist',
      container: container.containerName,
      'destination-path': 'site',
      'delete-destination': 'true',
      'connection-string': azurite.azurite.connectionString,
    };
    const runnerTemp = makeTree({});
    const workspace = makeTree(Object.fromEntries(Object.entries(BUILD).map(([k, v]) => [`dist/${k}`, v])));
    const run = await runAction(inputs, { workspace, env: { RUNNER_TEMP: runnerTemp } });
    assert.equal(run.code, 0, run.stdout);
    const file = run.outputs['changed-paths-file']!;
    assert.equal(path.dirname(path.dirname(file)), runnerTemp, 'in the runner temp folder');
    assert.deepEqual(lines(file), CHANGED);

    const again = await runAction(inputs, { workspace, env: { RUNNER_TEMP: runnerTemp } });
    assert.equal(again.code, 0, again.stdout);
    assert.notEqual(again.outputs['changed-paths-file'], file, 'each run its own file');
    assert.equal(readFileSync(again.outputs['changed-paths-file']!, 'utf8'), '', 'nothing changed: empty');
  });

  it('task: the output variable changedPathsFile, in the agent temp folder', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const workingDirectory = makeTree(BUILD);
    const agentTemp = makeTree({});
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: '.',
        destinationPath: 'site',
        deleteDestination: 'true',
      },
      { workingDirectory, env: { AGENT_TEMPDIRECTORY: agentTemp } },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
    const file = run.outputs.changedPathsFile ?? '';
    assert.equal(path.dirname(path.dirname(file)), agentTemp, 'in the agent temp folder');
    assert.deepEqual(lines(file), CHANGED);
  });

  it('CLI: --json names the file as changedPathsFile, and a dry run lists what a real run would change', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const args = [makeTree(BUILD), '--container', container.containerName, '--destination-path', 'site'];
    const tmp = makeTree({});
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString, TMPDIR: tmp };
    const dry = await runCli([...args, '--delete-destination', '--dry-run', '--json'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    const drySummary = JSON.parse(dry.stdout);
    assert.deepEqual(lines(drySummary.changedPathsFile), CHANGED);
    assert.equal(drySummary.changedBlobs, undefined, 'the list itself stays out of the JSON');

    assert.equal(path.dirname(path.dirname(drySummary.changedPathsFile)), tmp, 'in the temp folder');
    rmSync(path.dirname(drySummary.changedPathsFile), { recursive: true });

    const plain = await runCli([...args, '--delete-destination'], { env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(readdirSync(tmp), [], 'without --json no file is left behind');
    const after = await runCli([...args, '--delete-destination', '--json'], { env });
    assert.deepEqual(lines(JSON.parse(after.stdout).changedPathsFile), []);
  });
});
