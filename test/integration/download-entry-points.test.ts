import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { useAzurite } from '../support/azurite.js';
import { findLeaks as taskLeaks, runTask, type TaskRun } from '../support/azure-devops-task.js';
import { ROOT } from '../support/cli.js';
import { codeBlocks, docText, usesThisAction } from '../support/docs.js';
import { fileTree, makeTree, tempDir } from '../support/files.js';
import { findLeaks as actionLeaks, runAction } from '../support/github-action.js';

// docs/download.md's two examples, each step run as written by the bundled entry point: publish in one job (or
// stage), download the same bytes in the next. The sign-in is swapped for the emulator's, the account's URL for the
// emulator's, and the target folders for temporary ones.

const azurite = useAzurite();
const BUILD = { 'index.html': '<p>release</p>', 'assets/app.js': 'console.log(1)', 'docs/a b.txt': 'odd name' };
const ARTIFACTS = 'https://myartifacts.blob.core.windows.net';

type Step = { uses?: string; task?: string; with?: Record<string, string>; inputs?: Record<string, string> };

describe("docs/download.md's workflow (GitHub Action, bundled)", () => {
  it('publishes dist in one job and downloads it in the next, exactly, with the outputs set', async () => {
    const workflow = codeBlocks(docText('docs/download.md'), 'yaml')
      .map((yaml) => parse(yaml))
      .find((w) => w?.name === 'Build once, deploy the same bytes');
    assert.ok(workflow, 'the page has the workflow');
    const [publish, deploy] = ['publish', 'deploy'].map(
      (job): Record<string, string> => (workflow.jobs[job].steps as Step[]).filter(usesThisAction)[0]!.with!,
    ) as [Record<string, string>, Record<string, string>];
    await azurite.service.getContainerClient('releases').createIfNotExists();
    const sha = '3f2a9c1e';
    const expand = (value: string) =>
      value.replace('${{ github.sha }}', sha).replace(ARTIFACTS, azurite.azurite.serviceUrl);
    const signIn = ({
      'client-id': id,
      'tenant-id': tenant,
      'storage-account': _,
      ...rest
    }: Record<string, string>) => {
      assert.ok(id && tenant, 'each step signs in with OIDC');
      return {
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, expand(String(v))])),
        'connection-string': azurite.azurite.connectionString,
      };
    };

    const workspace = makeTree(Object.fromEntries(Object.entries(BUILD).map(([k, v]) => [`dist/${k}`, v])));
    const published = await runAction(signIn(publish), { workspace });
    assert.equal(published.code, 0, published.stdout + published.stderr);
    assert.equal(published.outputs.uploaded, '3');

    const site = tempDir();
    const downloading = { ...signIn(deploy), 'download-to': site };
    for (const [attempt, expected] of [
      [1, '3'],
      [2, '0'],
    ] as const) {
      const run = await runAction(downloading, { workspace: tempDir() });
      assert.equal(run.code, 0, `${attempt}: ${run.stdout}${run.stderr}`);
      assert.equal(run.outputs.downloaded, expected, `run ${attempt}`);
      assert.match(run.summary, new RegExp(`\\| downloaded \\| ${expected} \\|`));
      assert.deepEqual(actionLeaks(run, [azurite.azurite.accountKey]), []);
    }
    assert.deepEqual(fileTree(site), fileTree(path.join(workspace, 'dist')));
  });
});

describe("docs/download.md's pipeline (Azure DevOps task, bundled)", () => {
  it('publishes in one stage and downloads in the next, exactly, with the output variables set', async () => {
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    const pipeline = codeBlocks(docText('docs/download.md'), 'yaml')
      .map((yaml) => parse(yaml))
      .find((p) => Array.isArray(p?.stages));
    assert.ok(pipeline, 'the page has the pipeline');
    const stepsOf = (stage: string) =>
      (pipeline.stages as { stage: string; jobs: { steps: Step[] }[] }[])
        .find((s) => s.stage === stage)!
        .jobs[0]!.steps.filter((step) => step.task === `${task.name}@${task.version.Major}`);
    const [publish] = stepsOf('publish');
    const [deploy] = stepsOf('deploy');
    await azurite.service.getContainerClient('releases').createIfNotExists();
    const site = path.join(tempDir(), 'site');
    const expand = (value: string) =>
      value
        .replace('$(Build.BuildId)', '1234')
        .replace('$(Pipeline.Workspace)/site', site)
        .replace(ARTIFACTS, azurite.azurite.serviceUrl);
    const signIn = ({
      azureSubscription,
      storageAccount: _,
      ...rest
    }: Record<string, string>): Record<string, string> => {
      assert.ok(azureSubscription, 'each step signs in with the service connection');
      return {
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, expand(String(v))])),
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
      };
    };
    const workingDirectory = makeTree(Object.fromEntries(Object.entries(BUILD).map(([k, v]) => [`dist/${k}`, v])));
    const explain = (run: TaskRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

    const published = await runTask(signIn(publish!.inputs!), { workingDirectory });
    assert.equal(published.result?.result, 'Succeeded', explain(published));
    const downloading = signIn(deploy!.inputs!);
    // What the agent makes of a filePath input that is not rooted: joined to the sources folder, '//' collapsed.
    const deployDirectory = tempDir();
    downloading.sourcePath = `${deployDirectory}/${downloading.sourcePath!.replace('://', ':/')}`;
    const run = await runTask(downloading, { workingDirectory: deployDirectory });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.outputs.downloaded, '3');
    assert.match(run.result?.message ?? '', /downloaded 3, .*failed 0/);
    assert.deepEqual(taskLeaks(run, [azurite.azurite.accountKey]), []);
    assert.deepEqual(fileTree(site), fileTree(path.join(workingDirectory, 'dist')));
  });
});
