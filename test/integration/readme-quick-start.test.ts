import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { parse } from 'yaml';
import { useAzurite } from '../support/azurite.js';
import { runTask } from '../support/azure-devops-task.js';
import { ROOT, runCli } from '../support/cli.js';
import { codeBlocks, docSection, usesThisAction } from '../support/docs.js';
import { blobState, makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';

const azurite = useAzurite();
const quickStart = (heading: string) => docSection('README.md', `### ${heading}`);

/** A built site, and a container that holds a stale page and an old version of the home page. */
async function siteAndContainer() {
  const container = await azurite.newContainer();
  await container.uploadBlockBlob('stale.html', 'old', 3);
  await container.uploadBlockBlob('index.html', 'old', 3);
  const workspace = makeTree({ 'dist/index.html': '<h1>hi</h1>', 'dist/assets/app.js': 'export {};\n' });
  return { container, workspace };
}

/** What every quick start makes of it: the mirror of dist/, pages not cached, the rest for five minutes. */
async function assertDeployed(container: Awaited<ReturnType<typeof siteAndContainer>>['container']) {
  const state = await blobState(container);
  assert.deepEqual([...state.keys()].sort(), ['assets/app.js', 'index.html']);
  assert.equal(state.get('index.html')?.cacheControl, 'no-cache');
  assert.equal(state.get('assets/app.js')?.cacheControl, 'public, max-age=300');
}

describe("the README's quick starts, run as written (sign-in swapped for the emulator's)", () => {
  it('GitHub Actions: the workflow step', async () => {
    const [yaml] = codeBlocks(quickStart('GitHub Actions'), 'yaml');
    const workflow = parse(yaml!);
    assert.equal(workflow.permissions?.['id-token'], 'write', 'the job may request an ID token');
    const step = Object.values<{ steps: { uses?: string; with?: Record<string, unknown> }[] }>(workflow.jobs)
      .flatMap((job) => job.steps)
      .find(usesThisAction);
    assert.ok(step?.with, 'the workflow uses the action at its major tag');
    const { 'storage-account': account, 'client-id': clientId, 'tenant-id': tenantId, ...rest } = step.with;
    assert.ok(account && clientId && tenantId, 'it signs in with OIDC');
    const { container, workspace } = await siteAndContainer();
    const run = await runAction(
      {
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])),
        container: container.containerName,
        'connection-string': azurite.azurite.connectionString,
      },
      { workspace },
    );
    assert.equal(run.code, 0, run.stdout);
    await assertDeployed(container);
  });

  it('Azure Pipelines: the task step', async () => {
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    const [yaml] = codeBlocks(quickStart('Azure Pipelines'), 'yaml');
    const step = (parse(yaml!).steps as { task?: string; inputs?: Record<string, unknown> }[]).find(
      (s) => s.task === `${task.name}@${task.version.Major}`,
    );
    assert.ok(step?.inputs, 'the pipeline has the task');
    const { azureSubscription, storageAccount, ...rest } = step.inputs;
    assert.ok(azureSubscription && storageAccount, 'it signs in with the service connection');
    const { container, workspace } = await siteAndContainer();
    const run = await runTask(
      {
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])),
        containerName: container.containerName,
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
      },
      { workingDirectory: workspace },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout + run.stderr);
    await assertDeployed(container);
  });

  it('Command line: a dry run, then the sync', async () => {
    const [install, commands] = codeBlocks(quickStart('Command line'), 'sh');
    assert.match(install!, /alias azure-blob-sync="node ~\/azure-blob-sync\/dist\/cli\/index\.js"/);
    const lines = commands!
      .replace(/\\\n\s*/g, '')
      .trim()
      .split('\n');
    assert.equal(lines.length, 2);
    const { container, workspace } = await siteAndContainer();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        permissions: ContainerSASPermissions.parse('wdl'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(azurite.azurite.accountName, azurite.azurite.accountKey),
    ).toString();
    const results = [];
    for (const line of lines) {
      // The words as a user's shell splits them.
      const [command, source, url, ...flags] = execFileSync(
        'sh',
        ['-c', line.replace(/^azure-blob-sync /, `printf '%s\\0' azure-blob-sync `)],
        { encoding: 'utf8' },
      )
        .split('\0')
        .slice(0, -1);
      assert.equal(command, 'azure-blob-sync');
      assert.equal(url, 'https://mystorageaccount.blob.core.windows.net/$web');
      results.push(await runCli([source!, `${container.url}?${sas}`, ...flags], { cwd: workspace }));
    }
    const [dryRun, sync] = results;
    assert.equal(dryRun!.code, 0, dryRun!.stderr);
    assert.match(dryRun!.stdout, /^would delete {2}stale\.html$/m);
    assert.equal((await blobState(container)).size, 2, 'the dry run changed nothing');
    assert.equal(sync!.code, 0, sync!.stderr);
    await assertDeployed(container);
  });
});
