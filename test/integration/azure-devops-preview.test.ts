import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { findLeaks, runTask, SYSTEM_ACCESS_TOKEN, type TaskRun } from '../support/azure-devops-task.js';
import { useAzurite } from '../support/azurite.js';
import { startFakeAzureDevOps, type FakeAzureDevOps } from '../support/fake-azure-devops.js';
import { codeBlocks, docText } from '../support/docs.js';
import { blobState, makeTree } from '../support/files.js';
import { parse } from 'yaml';

const azurite = useAzurite();
const PROJECT = '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c';
const REPOSITORY = 'a3f6c4d2-0e1b-4c5d-9f8a-7b6c5d4e3f21';
const MAPPED_TOKEN = 'mapped-system-access-token-5d1e0f';
const DENIED_TOKEN = 'build-service-without-contribute-9a8b7c';
let ado: FakeAzureDevOps;
before(async () => {
  ado = await startFakeAzureDevOps({
    project: PROJECT,
    repositoryId: REPOSITORY,
    writeTokens: [SYSTEM_ACCESS_TOKEN, MAPPED_TOKEN],
    knownTokens: [SYSTEM_ACCESS_TOKEN, MAPPED_TOKEN, DENIED_TOKEN],
  });
});
after(() => ado.stop());

const SITE = { 'out/index.html': '<h1>preview</h1>', 'out/guide/start.html': '<p>go</p>', 'out/app.js': 'go()' };

/** The agent's variables for a build: a pull-request build of an Azure Repos repository, or a CI build. */
function buildVariables(reason: string, pullRequest?: number, provider = 'TfsGit'): NodeJS.ProcessEnv {
  return {
    BUILD_REASON: reason,
    BUILD_REPOSITORY_PROVIDER: provider,
    BUILD_REPOSITORY_ID: REPOSITORY,
    BUILD_SOURCEVERSION: 'merge0000000000000000000000000000000000',
    SYSTEM_TEAMPROJECTID: PROJECT,
    SYSTEM_TEAMPROJECT: 'web',
    SYSTEM_COLLECTIONURI: ado.collectionUri,
    SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: ado.collectionUri,
    ...(pullRequest === undefined
      ? {}
      : {
          SYSTEM_PULLREQUEST_PULLREQUESTID: String(pullRequest),
          SYSTEM_PULLREQUEST_SOURCECOMMITID: `c0ffee${pullRequest}0000000000000000000000000000000`,
        }),
  };
}

async function deploy(
  container: ContainerClient,
  env: NodeJS.ProcessEnv,
  options: { inputs?: Record<string, string>; files?: Record<string, string>; systemAccessToken?: string } = {},
): Promise<TaskRun> {
  const workingDirectory = makeTree(options.files ?? SITE);
  const run = await runTask(
    {
      authenticationType: 'connectionString',
      connectionString: azurite.azurite.connectionString,
      containerName: container.containerName,
      sourcePath: 'out',
      destinationPath: 'web',
      deleteDestination: 'true',
      preview: 'true',
      siteUrl: 'https://web.example.net',
      ...options.inputs,
    },
    // Debug output on, as a user chasing a problem would set it: still no token anywhere.
    {
      workingDirectory,
      env: { SYSTEM_DEBUG: 'true', AZURE_LOG_LEVEL: 'info', ...env },
      systemAccessToken: options.systemAccessToken,
    },
  );
  assert.deepEqual(findLeaks(run, [SYSTEM_ACCESS_TOKEN, MAPPED_TOKEN, DENIED_TOKEN]), []);
  return run;
}

const explain = (run: TaskRun) => `${run.result?.message}\n${run.stdout}\n${run.stderr}`;
const names = async (container: ContainerClient) => [...(await blobState(container)).keys()].sort();

describe('Azure DevOps task pull-request previews (bundled, Azurite, fake Azure DevOps REST API)', () => {
  it('deploys a pull-request build into pr-<id> and keeps one thread on the pull request, updated in place', async () => {
    const container = await azurite.newContainer();
    const first = await deploy(container, buildVariables('PullRequest', 31));
    assert.equal(first.result?.result, 'Succeeded', explain(first));
    assert.equal(first.outputs.previewUrl, 'https://web.example.net/pr-31/');
    assert.equal(first.outputs.destinationUrl, `${container.url}/web/pr-31`);
    assert.ok(first.secrets.includes(SYSTEM_ACCESS_TOKEN), 'the job token is masked');
    assert.match(first.summaries[0]!.text, /#### Preview\n\nhttps:\/\/web\.example\.net\/pr-31\//);
    assert.deepEqual(await names(container), [
      'web/pr-31/.azure-blob-sync/deployed.json',
      'web/pr-31/app.js',
      'web/pr-31/guide/start.html',
      'web/pr-31/index.html',
    ]);
    const [thread] = ado.on(31);
    assert.equal(ado.on(31).length, 1);
    assert.equal(thread!.status, 4, 'created closed, so no comment-resolution policy waits for it');
    assert.match(
      thread!.comments[0]!.content,
      /^<!-- azure-blob-sync preview: .*\/web\/pr-31 -->\n### 🔎 Preview deployed/,
    );
    assert.match(thread!.comments[0]!.content, /Commit `c0ffee310000`: 3 uploaded/);
    assert.match(
      thread!.comments[0]!.content,
      /\[guide\/start\.html\]\(https:\/\/web\.example\.net\/pr-31\/guide\/start\.html\)/,
    );
    // What the client asks before its first call, answered as the service does.
    const asked = ado.requests.map((r) => `${r.method} ${r.path}`);
    assert.ok(asked.includes('OPTIONS /fabrikam/_apis/Location'));
    assert.ok(asked.includes('GET /fabrikam/_apis/ResourceAreas'));
    assert.ok(asked.includes('OPTIONS /fabrikam/_apis/git'));

    // The job token mapped into the environment (env: SYSTEM_ACCESSTOKEN) is preferred.
    const second = await deploy(
      container,
      { ...buildVariables('PullRequest', 31), SYSTEM_ACCESSTOKEN: MAPPED_TOKEN },
      {
        files: { ...SITE, 'out/index.html': '<h1>preview, again</h1>' },
      },
    );
    assert.equal(second.result?.result, 'Succeeded', explain(second));
    assert.deepEqual([second.outputs.uploaded, second.outputs.skipped, second.outputs.deleted], ['1', '2', '0']);
    assert.equal(ado.on(31).length, 1, 'no second thread');
    assert.equal(thread!.comments[0]!.edits, 1);
    assert.match(thread!.comments[0]!.content, /1 uploaded, 0 updated, 0 deleted, 2 unchanged/);
    assert.equal(ado.requests.at(-1)?.token, MAPPED_TOKEN);
    assert.ok(second.secrets.includes(MAPPED_TOKEN));
  });

  it('syncs production in other builds and never deletes preview folders; retention prunes only stale previews', async () => {
    const container = await azurite.newContainer();
    for (const id of [51, 52]) {
      const run = await deploy(container, buildVariables('PullRequest', id));
      assert.equal(run.result?.result, 'Succeeded', explain(run));
    }
    await container.uploadBlockBlob('web/index.html', 'old', 3);
    await container.uploadBlockBlob('web/app.js', 'old', 3);
    await container.uploadBlockBlob('web/stale.html', 'old', 3);
    const production = await deploy(container, buildVariables('IndividualCI'));
    assert.equal(production.result?.result, 'Succeeded', explain(production));
    assert.equal(production.outputs.previewUrl, undefined);
    assert.equal(production.outputs.deleted, '1');
    const afterProduction = await names(container);
    assert.ok(!afterProduction.includes('web/stale.html'));
    for (const id of [51, 52]) assert.ok(afterProduction.includes(`web/pr-${id}/index.html`), `pr-${id} kept`);

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // pr-51 deployed again with nothing changed: its blobs are older than the retention, its deploy is not.
    const again = await deploy(container, buildVariables('PullRequest', 51), { inputs: { previewRetention: '2s' } });
    assert.equal(again.result?.result, 'Succeeded', explain(again));
    assert.equal(again.outputs.uploaded, '0');
    const remaining = await names(container);
    assert.ok(remaining.includes('web/pr-51/index.html'), 'the preview just deployed is kept');
    assert.ok(!remaining.some((name) => name.startsWith('web/pr-52/')), 'the stale preview is gone, record and all');
    assert.ok(remaining.includes('web/index.html'), 'production untouched');
    assert.match(
      again.log,
      /Removed the preview web\/pr-52 \(3 file\(s\)\), after [\d.]+ seconds without a deploy \(retention 2s\)\./,
    );
    assert.match(ado.on(52)[0]!.comments[0]!.content, /### Preview removed[\s\S]*without a deploy/);
    assert.equal(ado.on(52).length, 1);
  });

  it('warns naming Contribute to pull requests when the build service may not comment, and still deploys', async () => {
    const container = await azurite.newContainer();
    const run = await deploy(container, buildVariables('PullRequest', 61), {
      systemAccessToken: DENIED_TOKEN,
      inputs: { siteUrl: '' },
    });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.outputs.previewUrl, `${container.url}/web/pr-61/index.html`);
    const warning = run.issues.find((i) => i.type === 'warning')?.message ?? '';
    assert.match(
      warning,
      /may not comment on pull request 61 \(Azure DevOps answered 403: TF401027.*Contribute to pull requests/,
    );
    assert.equal(ado.on(61).length, 0);
    assert.ok(run.secrets.includes(DENIED_TOKEN));
    assert.ok((await names(container)).includes('web/pr-61/index.html'));
  });

  it('skips the thread with a note for a repository hosted elsewhere', async () => {
    const container = await azurite.newContainer();
    const before = ado.requests.length;
    const run = await deploy(container, {
      ...buildVariables('PullRequest', 71, 'GitHub'),
      SYSTEM_PULLREQUEST_PULLREQUESTNUMBER: '7',
    });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.outputs.previewUrl, 'https://web.example.net/pr-7/', "a GitHub pull request's number");
    assert.match(run.log, /hosted on GitHub, not in Azure Repos, so no pull request thread was written/);
    assert.equal(ado.requests.length, before);
    assert.equal(run.issues.filter((i) => i.type === 'warning').length, 0);
  });

  it("runs docs/previews.md's pipeline as written (the service connection swapped for the emulator)", async () => {
    const pipeline = codeBlocks(docText('docs/previews.md'), 'yaml')
      .map((yaml) => parse(yaml))
      .find((p) => p?.pr && Array.isArray(p.steps));
    const step = pipeline?.steps.find((s: { task?: string }) => s.task === 'AzureBlobSync@0');
    assert.ok(step?.inputs?.preview, 'the page has a pull-request pipeline with preview: true');
    const { azureSubscription: _c, storageAccount: _a, ...inputs } = step.inputs as Record<string, unknown>;
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('index.html', 'production', 10);
    const run = await deploy(container, buildVariables('PullRequest', 81), {
      files: { 'dist/index.html': '<h1>pr</h1>' },
      inputs: {
        ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])),
        containerName: container.containerName,
        destinationPath: '',
      },
    });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.outputs.previewUrl, 'https://www.example.com/pr-81/');
    assert.deepEqual(await names(container), [
      'index.html',
      'pr-81/.azure-blob-sync/deployed.json',
      'pr-81/index.html',
    ]);
    assert.equal(ado.on(81).length, 1);
  });
});
