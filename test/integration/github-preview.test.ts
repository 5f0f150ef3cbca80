import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { parse } from 'yaml';
import { useAzurite } from '../support/azurite.js';
import { codeBlocks, docText, usesThisAction } from '../support/docs.js';
import { startFakeGithubApi, type FakeGithubApi } from '../support/fake-github-api.js';
import { blobState, makeTree, tempDir } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';

const azurite = useAzurite();
const REPOSITORY = 'octo-org/site';
const WRITE_TOKEN = 'ghs_previewWriteToken0123456789abcdefABCD';
const READ_TOKEN = 'ghs_forkReadOnlyToken0123456789abcdefABCD';
let api: FakeGithubApi;
before(async () => {
  api = await startFakeGithubApi({ repository: REPOSITORY, writeTokens: [WRITE_TOKEN], pageSize: 2 });
});
after(() => api.stop());

const SITE = {
  'dist/index.html': '<h1>preview</h1>',
  'dist/docs/index.html': '<p>docs</p>',
  'dist/assets/app.js': 'run()',
};

/** The runner's environment for an event: its name, its payload file, the repository and the API URL. */
function eventEnv(name: string, payload: object): NodeJS.ProcessEnv {
  const file = path.join(tempDir('abs-event-'), 'event.json');
  writeFileSync(file, JSON.stringify(payload));
  return {
    GITHUB_EVENT_NAME: name,
    GITHUB_EVENT_PATH: file,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_API_URL: api.url,
  };
}

const pullRequestEvent = (number: number, action: string, sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678') =>
  eventEnv('pull_request', {
    action,
    number,
    pull_request: { number, state: action === 'closed' ? 'closed' : 'open', head: { sha } },
    repository: { name: 'site', owner: { login: 'octo-org' } },
  });
const pushEvent = () =>
  eventEnv('push', { ref: 'refs/heads/main', repository: { name: 'site', owner: { login: 'octo-org' } } });

async function deploy(
  container: ContainerClient,
  env: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
  files: Record<string, string> = SITE,
) {
  const run = await runAction(
    {
      source: 'dist',
      container: container.containerName,
      'destination-path': 'site',
      'connection-string': azurite.azurite.connectionString,
      preview: 'true',
      'site-url': 'https://preview.example.com/',
      'github-token': WRITE_TOKEN,
      'delete-destination': 'true',
      ...extra,
    },
    // Debug output on, as a user chasing a problem would set it: still no token anywhere.
    { workspace: makeTree(files), env: { RUNNER_DEBUG: '1', AZURE_LOG_LEVEL: 'info', ...env } },
  );
  assert.deepEqual(findLeaks(run, [WRITE_TOKEN, READ_TOKEN]), [], 'no token in the log, summary or outputs');
  return run;
}

const names = async (container: ContainerClient) => [...(await blobState(container)).keys()].sort();

describe('GitHub Action pull-request previews (bundled, Azurite, fake GitHub API)', () => {
  it('deploys a preview per pull request with one comment updated in place, and removes it on close', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('site/index.html', '<h1>prod</h1>', 13);
    const opened = await deploy(container, pullRequestEvent(7, 'opened'));
    assert.equal(opened.code, 0, opened.stdout + opened.stderr);
    assert.equal(opened.outputs['preview-url'], 'https://preview.example.com/pr-7/');
    assert.equal(opened.outputs['destination-url'], `${container.url}/site/pr-7`);
    assert.equal(opened.outputs.uploaded, '3');
    assert.match(opened.summary, /#### Preview\n\nhttps:\/\/preview\.example\.com\/pr-7\//);
    assert.ok(opened.masked.includes(WRITE_TOKEN), 'the token is masked');
    assert.deepEqual(await names(container), [
      'site/index.html',
      'site/pr-7/.azure-blob-sync/deployed.json',
      'site/pr-7/assets/app.js',
      'site/pr-7/docs/index.html',
      'site/pr-7/index.html',
    ]);
    const [comment] = api.on(7);
    assert.equal(api.on(7).length, 1);
    assert.match(comment!.body, /^<!-- azure-blob-sync preview: .*\/site\/pr-7 -->/);
    assert.match(comment!.body, /\*\*https:\/\/preview\.example\.com\/pr-7\/\*\*/);
    assert.match(comment!.body, /Commit `a1b2c3d4e5f6`: 3 uploaded, 0 updated, 0 deleted, 0 unchanged\./);
    assert.match(comment!.body, /- \[docs\/index\.html\]\(https:\/\/preview\.example\.com\/pr-7\/docs\/\)/);
    assert.match(comment!.body, /- \[index\.html\]\(https:\/\/preview\.example\.com\/pr-7\/\)/);
    assert.doesNotMatch(comment!.body, /app\.js/, 'pages only');

    // Another pull request, and enough other comments on #7 that finding ours takes more than one page.
    const other = await deploy(container, pullRequestEvent(8, 'opened'));
    assert.equal(other.code, 0, other.stdout);
    api.comments.push({ id: 1, issue: 7, body: 'LGTM', edits: 0 }, { id: 2, issue: 7, body: 'nit', edits: 0 });

    // A new commit: the same comment, edited; nothing unchanged is uploaded, the deploy record is no extra file.
    const pushed = await deploy(
      container,
      pullRequestEvent(7, 'synchronize', 'ffff000011112222'),
      {},
      {
        ...SITE,
        'dist/index.html': '<h1>preview 2</h1>',
      },
    );
    assert.equal(pushed.code, 0, pushed.stdout);
    assert.deepEqual([pushed.outputs.uploaded, pushed.outputs.skipped, pushed.outputs.deleted], ['1', '2', '0']);
    assert.equal(api.on(7).length, 3, 'no second preview comment');
    assert.equal(comment!.edits, 1);
    assert.match(comment!.body, /Commit `ffff00001111`: 1 uploaded/);
    assert.match(pushed.log, /Updated the comment on pull request #7\./);

    const closed = await deploy(container, pullRequestEvent(7, 'closed'));
    assert.equal(closed.code, 0, closed.stdout + closed.stderr);
    assert.equal(closed.outputs.deleted, '3');
    assert.match(closed.summary, /#### Preview removed/);
    assert.deepEqual(await names(container), [
      'site/index.html',
      'site/pr-8/.azure-blob-sync/deployed.json',
      'site/pr-8/assets/app.js',
      'site/pr-8/docs/index.html',
      'site/pr-8/index.html',
    ]);
    assert.equal(api.on(7).length, 3);
    assert.match(
      comment!.body,
      /### Preview removed\n\nThe preview at https:\/\/preview\.example\.com\/pr-7\/ was removed because the pull request was closed\./,
    );
    assert.equal(api.on(8).length, 1);
  });

  it('syncs production on other events and never deletes preview folders, even with delete-destination', async () => {
    const container = await azurite.newContainer();
    assert.equal((await deploy(container, pullRequestEvent(3, 'opened'))).code, 0);
    assert.equal((await deploy(container, pullRequestEvent(41, 'opened'))).code, 0);
    await container.uploadBlockBlob('site/index.html', '<h1>old</h1>', 12);
    await container.uploadBlockBlob('site/about.html', '<p>about</p>', 12);
    await container.uploadBlockBlob('site/stale.html', 'old', 3);
    await container.uploadBlockBlob('site/pr-draft/keep.txt', 'not a preview folder name', 25);

    // Four preview files per pull request against two production files: counted, they would trip the guard.
    const production = await deploy(
      container,
      pushEvent(),
      {},
      {
        'dist/index.html': '<h1>prod</h1>',
        'dist/about.html': '<p>about</p>',
      },
    );
    assert.equal(production.code, 0, production.stdout + production.stderr);
    assert.equal(production.outputs['preview-url'], undefined);
    assert.equal(production.outputs['destination-url'], `${container.url}/site`);
    assert.equal(production.outputs.deleted, '2', 'stale.html and pr-draft/keep.txt, nothing under pr-3 or pr-41');
    const after = await names(container);
    assert.ok(after.includes('site/index.html'));
    assert.ok(!after.includes('site/stale.html'));
    for (const number of [3, 41]) {
      for (const file of ['index.html', 'docs/index.html', 'assets/app.js', '.azure-blob-sync/deployed.json']) {
        assert.ok(after.includes(`site/pr-${number}/${file}`), `pr-${number}/${file} kept`);
      }
    }
    assert.equal(api.on(3).length, 1, 'a production run comments nowhere');
  });

  it('prunes previews not deployed for longer than the retention, counted from the last deploy', async () => {
    const container = await azurite.newContainer();
    // Deployed without a retention, so that however long these runs take, none prunes another.
    for (const number of [21, 22, 23])
      assert.equal((await deploy(container, pullRequestEvent(number, 'opened'))).code, 0);
    const retention = { 'preview-retention': '2s' };
    await container.uploadBlockBlob('site/pr-29/index.html', 'made by hand, no deploy record', 30);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // pr-21 is redeployed with nothing changed: its blobs are old, its deploy is not.
    const again = await deploy(container, pullRequestEvent(21, 'synchronize'), retention);
    assert.equal(again.code, 0, again.stdout);
    assert.equal(again.outputs.uploaded, '0', again.stdout);
    assert.deepEqual(
      await names(container),
      [
        'site/pr-21/.azure-blob-sync/deployed.json',
        'site/pr-21/assets/app.js',
        'site/pr-21/docs/index.html',
        'site/pr-21/index.html',
        'site/pr-29/index.html',
      ],
      again.stdout,
    );
    assert.match(
      again.log,
      /Removed the preview site\/pr-22 \(3 file\(s\)\), after [\d.]+ seconds without a deploy \(retention 2s\)\./,
    );
    assert.match(again.log, /Kept site\/pr-29: it has no deploy record/);
    assert.match(api.on(23)[0]!.body, /### Preview removed[\s\S]*without a deploy \(retention 2s\)/, again.stdout);

    assert.equal(api.on(21).length, 1);
    assert.match(api.on(21)[0]!.body, /### 🔎 Preview deployed/);
  });

  it("warns, without failing the deploy, when the token may not comment (a fork's read-only token)", async () => {
    const container = await azurite.newContainer();
    const run = await deploy(container, pullRequestEvent(12, 'opened'), { 'github-token': READ_TOKEN, 'site-url': '' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const url = `${container.url}/site/pr-12/index.html`;
    assert.equal(run.outputs['preview-url'], url);
    assert.match(run.summary, new RegExp(`#### Preview\\n\\n${url.replace(/[.?]/g, '\\$&')}`));
    assert.match(
      run.stdout,
      /::warning::The token may not comment on pull request #12 \(GitHub answered 403: Resource not accessible by integration.*permissions: pull-requests: write/,
    );
    assert.match(run.summary, /pull-requests: write/);
    assert.equal(api.on(12).length, 0);
    assert.ok(run.masked.includes(READ_TOKEN));
    assert.ok((await names(container)).includes('site/pr-12/index.html'));
  });

  it("deploys on workflow_run after a fork's build, checked against the API, and removes the preview once closed", async () => {
    const container = await azurite.newContainer();
    const headSha = '0f0e0d0c0b0a09080706050403020100ffeeddcc';
    api.pulls.set(15, { state: 'open', headSha });
    api.pulls.set(16, { state: 'open', headSha: '1111111111111111111111111111111111111111' });
    // GitHub passes no pull request for a fork's run: the number comes from the build's artifact.
    const afterBuild = () =>
      eventEnv('workflow_run', {
        action: 'completed',
        workflow_run: { event: 'pull_request', head_sha: headSha, pull_requests: [] },
        repository: { name: 'site', owner: { login: 'octo-org' } },
      });
    const run = await deploy(container, afterBuild(), { 'pull-request': '15' });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs['preview-url'], 'https://preview.example.com/pr-15/');
    assert.equal(api.on(15).length, 1);
    assert.match(api.on(15)[0]!.body, /Commit `0f0e0d0c0b0a`/);

    // An artifact naming another pull request cannot deploy into its folder.
    const redirected = await deploy(container, afterBuild(), { 'pull-request': '16' });
    assert.equal(redirected.code, 5, redirected.stdout);
    assert.match(
      redirected.errors[0]!,
      /Pull request #16 is at 111111111111, not at 0f0e0d0c0b0a.*Nothing was changed\./,
    );
    assert.equal(api.on(16).length, 0);

    const missing = await deploy(container, afterBuild());
    assert.equal(missing.code, 2, missing.stdout);
    assert.match(missing.errors[0]!, /GitHub passed no pull request number.*`pull-request:`/s);

    api.pulls.set(15, { state: 'closed', headSha });
    const closed = await deploy(container, afterBuild(), { 'pull-request': '15' });
    assert.equal(closed.code, 0, closed.stdout);
    assert.equal(closed.outputs.deleted, '3');
    assert.deepEqual(await names(container), []);
    assert.match(api.on(15)[0]!.body, /### Preview removed/);

    // A workflow_run after a push deploys production.
    const production = await deploy(
      container,
      eventEnv('workflow_run', { workflow_run: { event: 'push', head_sha: headSha, pull_requests: [] } }),
    );
    assert.equal(production.code, 0, production.stdout);
    assert.equal(production.outputs['destination-url'], `${container.url}/site`);
  });

  it('removes nothing, and fails nothing, when a closed pull request has no preview (nor container)', async () => {
    const missing = azurite.service.getContainerClient('never-created-preview');
    const run = await deploy(missing, pullRequestEvent(77, 'closed'), {}, {});
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.deleted, '0');
  });

  it('refuses a preview path without {number} before signing in', async () => {
    const container = await azurite.newContainer();
    const run = await deploy(container, pullRequestEvent(5, 'opened'), { 'preview-path': 'preview' });
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.errors[0]!,
      /The preview path "preview" is not a folder name with \{number\} once.*`preview-path: "pr-\{number\}"`/s,
    );
    assert.deepEqual(await names(container), []);
  });

  it("runs docs/previews.md's workflows as written (OIDC inputs swapped for the emulator)", async () => {
    type Step = { uses?: string; with?: Record<string, unknown> };
    type Workflow = {
      on?: Record<string, { types?: string[] }>;
      permissions?: Record<string, string>;
      jobs?: Record<string, { steps?: Step[] }>;
    };
    const workflows = codeBlocks(docText('docs/previews.md'), 'yaml').map((yaml) => parse(yaml) as Workflow);
    const previewStep = (w: Workflow) =>
      Object.values(w?.jobs ?? {})
        .flatMap((job) => job.steps ?? [])
        .find((s) => usesThisAction(s) && s.with?.preview);
    const [sameRepo, forkDeploy] = workflows.filter((w) => previewStep(w));
    assert.ok(sameRepo && forkDeploy, 'the page has a preview workflow and a workflow_run deploy');
    assert.ok(sameRepo.on?.pull_request?.types?.includes('closed'), 'closed is among the pull_request types');
    assert.equal(sameRepo.permissions?.['pull-requests'], 'write');
    assert.equal(forkDeploy.permissions?.['pull-requests'], 'write');
    assert.ok(forkDeploy.on?.workflow_run);
    const forkBuild = workflows.find(
      (w) => w?.on?.pull_request && !previewStep(w) && w.permissions?.contents === 'read',
    );
    assert.ok(forkBuild && !forkBuild.permissions?.['id-token'], 'the fork build has no id-token');

    const asWritten = (step: Step, extra: Record<string, string> = {}) => {
      const { 'storage-account': _a, 'client-id': _c, 'tenant-id': _t, ...rest } = step.with!;
      return { ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])), ...extra };
    };
    const container = await azurite.newContainer();
    // The runner passes action.yml's default `${{ github.token }}` for github-token.
    const sign = {
      'connection-string': azurite.azurite.connectionString,
      container: container.containerName,
      'github-token': WRITE_TOKEN,
    };
    const workspace = makeTree({ 'dist/index.html': '<h1>pr</h1>', 'preview/dist/index.html': '<h1>fork</h1>' });
    const opened = await runAction(
      { ...asWritten(previewStep(sameRepo)!), ...sign },
      { workspace, env: pullRequestEvent(91, 'opened') },
    );
    assert.equal(opened.code, 0, opened.stdout);
    assert.equal(opened.outputs['preview-url'], 'https://www.example.com/pr-91/');

    const headSha = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';
    api.pulls.set(92, { state: 'open', headSha });
    const forkEvent = eventEnv('workflow_run', {
      workflow_run: { event: 'pull_request', head_sha: headSha, pull_requests: [] },
    });
    const fork = await runAction(
      { ...asWritten(previewStep(forkDeploy)!, { 'pull-request': '92' }), ...sign },
      { workspace, env: forkEvent },
    );
    assert.equal(fork.code, 0, fork.stdout);
    assert.equal(fork.outputs['preview-url'], 'https://www.example.com/pr-92/');

    const closed = await runAction(
      { ...asWritten(previewStep(sameRepo)!), ...sign },
      { workspace: makeTree({}), env: pullRequestEvent(91, 'closed') },
    );
    assert.equal(closed.code, 0, closed.stdout);
    assert.deepEqual(await names(container), ['pr-92/.azure-blob-sync/deployed.json', 'pr-92/index.html']);
  });
});
