import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { useAzurite } from '../support/azurite.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';
import { codeBlocks, docSection, usesThisAction } from '../support/docs.js';
import { parse } from 'yaml';

const azurite = useAzurite();

function sasFor(container: string, permissions: string): string {
  const { accountName, accountKey } = azurite.azurite;
  return generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(accountName, accountKey),
  ).toString();
}

const SITE = {
  'dist/index.html': '<h1>new</h1>',
  'dist/about/index.html': '<p>about</p>',
  'dist/assets/app.3f2a.js': 'console.log(1)',
  'dist/assets/app.3f2a.js.map': '{}',
  'dist/assets/site.css': 'h1{}',
};
const CACHE_RULES = '**/*.html=no-cache\nassets/**=public, max-age=31536000, immutable';

describe('GitHub Action (bundled) against Azurite', () => {
  it('syncs a static site with a connection string: deletes, cache rules, outputs, summary, masks', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('site/index.html', '<h1>old</h1>', 12);
    await container.uploadBlockBlob('site/assets/site.css', 'h1{}', 4); // same content, no Cache-Control yet
    await container.uploadBlockBlob('site/gone.html', 'x', 1);
    await container.uploadBlockBlob('other/keep.txt', 'k', 1);
    const workspace = makeTree(SITE);
    const { connectionString, accountKey } = azurite.azurite;
    const inputs = {
      source: 'dist',
      container: container.containerName,
      'destination-path': 'site',
      'connection-string': connectionString,
      'delete-destination': 'true',
      exclude: '*.map',
      'cache-control': CACHE_RULES,
    };

    const run = await runAction(inputs, { workspace });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const destination = `${container.url}/site`;
    const { 'changed-paths-file': changedPathsFile, ...counts } = run.outputs;
    assert.match(changedPathsFile ?? '', /changed-paths\.txt$/);
    assert.deepEqual(counts, {
      uploaded: '3',
      updated: '1',
      skipped: '0',
      deleted: '1',
      failed: '0',
      'bytes-uploaded': String(Buffer.byteLength('<h1>new</h1><p>about</p>console.log(1)')),
      'destination-url': destination,
      copied: '0',
      downloaded: '0',
      'bytes-downloaded': '0',
    });

    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [
      'other/keep.txt',
      'site/about/index.html',
      'site/assets/app.3f2a.js',
      'site/assets/site.css',
      'site/index.html',
    ]);
    assert.equal(state.get('site/index.html')?.md5, md5Base64('<h1>new</h1>'));
    assert.equal(state.get('site/index.html')?.cacheControl, 'no-cache');
    assert.equal(state.get('site/index.html')?.contentType, 'text/html; charset=utf-8');
    assert.equal(state.get('site/assets/app.3f2a.js')?.cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(state.get('site/assets/site.css')?.cacheControl, 'public, max-age=31536000, immutable');

    // Per-file lines in one collapsible group; unchanged files only at debug level.
    assert.match(
      run.log,
      /::group::Changed files\n(.*\n)*uploaded {2}index\.html \(12 B, changed\)\n(.*\n)*::endgroup::/,
    );
    assert.match(run.log, /^updated {3}assets\/site\.css$/m);
    assert.match(run.log, /^deleted {3}gone\.html$/m);
    assert.match(run.log, /^Syncing dist -> .*\/site \(connection string\)$/m);

    assert.match(run.summary, /### Azure Blob sync: ✅ in sync/);
    assert.match(run.summary, /`dist` → `http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/[^`]+\/site`/);
    assert.match(run.summary, /\| uploaded \| 3 \|\n\| updated \(headers only\) \| 1 \|/);
    assert.match(run.summary, /\| deleted \| 1 \|/);
    assert.match(run.summary, /\| \.html \| 2 \|/);

    assert.ok(run.masked.includes(connectionString), 'the connection string is masked');
    assert.ok(run.masked.includes(accountKey), 'the account key inside it is masked on its own');
    assert.deepEqual(findLeaks(run, [accountKey]), []);

    const again = await runAction(inputs, { workspace });
    assert.equal(again.code, 0, again.stdout);
    assert.deepEqual([again.outputs.uploaded, again.outputs.skipped, again.outputs.deleted], ['0', '4', '0']);
    assert.doesNotMatch(again.log, /::group::/, 'no group when nothing changes');
  });

  it('syncs with a SAS token and an endpoint; a dry run sends nothing; the SAS never shows', async () => {
    const container = await azurite.newContainer();
    const sas = `?${sasFor(container.containerName, 'racwdl')}`;
    const encodedSignature = /[?&]sig=([^&]+)/.exec(sas)![1]!;
    const signature = decodeURIComponent(encodedSignature);
    const workspace = makeTree({ 'out/a.txt': 'a', 'out/b/c.json': '{"c":1}', 'out/skip.log': 'l' });
    const inputs = {
      source: 'out',
      container: container.containerName,
      'blob-endpoint': azurite.azurite.serviceUrl,
      'sas-token': sas,
      include: 'a.txt\n**/*.json',
    };

    const dry = await runAction({ ...inputs, 'dry-run': 'true' }, { workspace });
    assert.equal(dry.code, 0, dry.stdout);
    assert.equal(dry.outputs.uploaded, '2');
    assert.match(dry.log, /^would upload {2}b\/c\.json \(new\)$/m);
    assert.match(dry.summary, /dry run, nothing sent/);
    assert.equal((await blobState(container)).size, 0);

    const run = await runAction(inputs, { workspace });
    assert.equal(run.code, 0, run.stdout);
    assert.deepEqual([run.outputs.uploaded, run.outputs['destination-url']], ['2', container.url]);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['a.txt', 'b/c.json']);
    assert.match(run.log, /\(SAS token\)/);
    for (const secret of [sas, encodedSignature, signature]) assert.ok(run.masked.includes(secret), 'masked');
    assert.deepEqual(findLeaks(run, [encodedSignature, signature]), []);
    assert.deepEqual(findLeaks(dry, [encodedSignature, signature]), []);
  });

  it('signs in with an account key against an endpoint, masking the key', async () => {
    const container = await azurite.newContainer();
    const { accountKey, serviceUrl } = azurite.azurite;
    const run = await runAction(
      { source: 'www', container: container.containerName, 'blob-endpoint': serviceUrl, 'account-key': accountKey },
      { workspace: makeTree({ 'www/index.html': 'k' }) },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.log, /\(account key\)/);
    assert.deepEqual([...(await blobState(container)).keys()], ['index.html']);
    assert.ok(run.masked.includes(accountKey));
    assert.deepEqual(findLeaks(run, [accountKey]), []);
  });

  it('fails with the permission hint when the SAS may not write, without leaking it', async () => {
    const container = await azurite.newContainer();
    const sas = sasFor(container.containerName, 'rl');
    const workspace = makeTree({ 'site/a.txt': 'a' });
    const run = await runAction(
      {
        source: 'site',
        container: container.containerName,
        'blob-endpoint': azurite.azurite.serviceUrl,
        'sas-token': sas,
      },
      { workspace },
    );
    assert.equal(run.code, 3, run.stdout);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(run.errors[0]!, /SAS token grants "rl" but this sync also needs write \(w\)\. Nothing was changed\./);
    assert.match(run.errors[0]!, /az storage container generate-sas --permissions wl\./);
    assert.match(run.summary, /❌ failed/);
    assert.deepEqual(findLeaks(run, [new URLSearchParams(sas).get('sig')!]), []);
  });

  it("runs docs/github-action.md's static-site step as written (OIDC inputs swapped for the emulator)", async () => {
    const page = docSection('docs/github-action.md', '## A static site, built and synced');
    const workflows = codeBlocks(page, 'yaml').map((yaml) => parse(yaml));
    const step = workflows
      .flatMap((w) => Object.values<{ steps?: { uses?: string; with?: object }[] }>(w?.jobs ?? {}))
      .flatMap((job) => job.steps ?? [])
      .find(usesThisAction);
    assert.ok(step?.with, 'the page has a workflow using the action');
    const {
      'storage-account': account,
      'client-id': clientId,
      'tenant-id': tenantId,
      ...rest
    } = step.with as Record<string, unknown>;
    assert.ok(account && clientId && tenantId, 'the example signs in with OIDC');
    const container = await azurite.newContainer();
    for (const name of ['stale.html', 'index.html', 'assets/site.css']) await container.uploadBlockBlob(name, 'x', 1);
    const inputs = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
    const run = await runAction(
      { ...inputs, container: container.containerName, 'connection-string': azurite.azurite.connectionString },
      { workspace: makeTree({ ...SITE, 'dist/assets/site.css': 'h1{color:#123456}\n'.repeat(200) }) },
    );
    assert.equal(run.code, 0, run.stdout);
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [
      'about/index.html',
      'assets/app.3f2a.js',
      'assets/site.css',
      'index.html',
    ]);
    assert.equal(state.get('assets/site.css')?.contentEncoding, 'br', 'the compress rule applies');
    assert.equal(state.get('index.html')?.contentEncoding, undefined, 'too small to shrink: stored as it is');
    assert.equal(state.get('index.html')?.cacheControl, 'no-cache');
    assert.equal(state.get('assets/site.css')?.cacheControl, 'public, max-age=31536000, immutable');
  });

  it('stops before deleting most of the destination, naming the inputs that allow it', async () => {
    const container = await azurite.newContainer();
    for (const name of ['a.html', 'b.html', 'c.html']) await container.uploadBlockBlob(name, name, name.length);
    const run = await runAction(
      {
        source: 'site',
        container: container.containerName,
        'connection-string': azurite.azurite.connectionString,
        'delete-destination': 'true',
      },
      { workspace: makeTree({ 'site/a.html': 'a.html' }) },
    );
    assert.equal(run.code, 5, run.stdout);
    assert.match(
      run.errors[0]!,
      /^Refusing to delete 2 of the 3 blobs in scope: the source has 1 file and 1 blob would remain .*Nothing was changed\./,
    );
    assert.match(run.errors[0]!, /raise `delete-threshold` or pass `force: true`\.$/);
    assert.doesNotMatch(run.log, /::group::/, 'no empty group');
    assert.equal((await blobState(container)).size, 3);
  });

  it('exits 1 and lists the failed file when one file fails, keeping the rest', async () => {
    const container = await azurite.newContainer();
    const workspace = makeTree({ 'site/ok.txt': 'ok', 'site/bad.': 'x' });
    const run = await runAction(
      { source: 'site', container: container.containerName, 'connection-string': azurite.azurite.connectionString },
      { workspace },
    );
    assert.equal(run.code, 1, run.stdout);
    assert.deepEqual([run.outputs.uploaded, run.outputs.failed], ['1', '1']);
    assert.match(run.errors[0]!, /^1 file\(s\) could not be synced.*bad\./);
    assert.match(run.summary, /#### Failed files\n\n\| file \| reason \|\n\|---\|---\|\n\| `bad\.` \|/);
    assert.ok((await blobState(container)).has('ok.txt'));
  });
});

describe('GitHub Action: how it explains what is missing or wrong', () => {
  const workspace = () => makeTree({ 'site/a.txt': 'a' });
  const base = { source: 'site', container: 'web', 'blob-endpoint': 'http://127.0.0.1:9/devstoreaccount1' };

  it('shows the minimal OIDC workflow when no way to sign in was given', async () => {
    const run = await runAction(base, {
      workspace: workspace(),
      env: { GITHUB_ACTION_REPOSITORY: 'octo-org/azure-blob-sync', GITHUB_ACTION_REF: 'v1' },
    });
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.errors.length, 1);
    const [message] = run.errors;
    assert.match(message!, /^No way to sign in to Azure Storage was given\./);
    assert.match(message!, /permissions:\n {4}id-token: write\n/);
    assert.match(message!, /- uses: octo-org\/azure-blob-sync@v1\n {6}with:\n/);
    assert.match(message!, /client-id: \$\{\{ vars\.AZURE_CLIENT_ID \}\}\n {8}tenant-id: /);
    assert.match(run.summary, /```\n(.*\n)* {2}permissions:\n {4}id-token: write\n/);
  });

  it('says the id-token permission is missing when OIDC is chosen without the runner variables', async () => {
    // An https endpoint: over http, Entra ID sign-in is refused before the permission matters.
    const run = await runAction(
      { ...base, 'blob-endpoint': 'https://127.0.0.1:9/devstoreaccount1' },
      {
        workspace: workspace(),
        env: { AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555', AZURE_TENANT_ID: 'contoso.onmicrosoft.com' },
      },
    );
    assert.equal(run.code, 3, run.stdout);
    assert.match(
      run.errors[0]!,
      /needs the job permission `id-token: write`, which is missing: the runner did not set ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN/,
    );
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['a missing required input', { container: '' }, /^The input "container" is required but was not given\./],
    ['a bad compare mode', { 'sas-token': 'sig=x', compare: 'sha1' }, /^Unknown compare mode "sha1"\.\nUse md5/],
    ['a non-boolean flag', { 'sas-token': 'sig=x', 'dry-run': 'yes' }, /^The input "dry-run" must be true or false/],
    ['a bad threshold', { 'sas-token': 'sig=x', 'delete-threshold': '2' }, /delete threshold "2" is not a share/],
    ['a bad cache rule', { 'sas-token': 'sig=x', 'cache-control': 'no-cache' }, /rule "no-cache" is not of the form/],
    [
      'a bad timeout',
      { 'sas-token': 'sig=x', timeout: '0' },
      /timeout "0" is not a positive number.*\nGive the seconds as a number, e\.g\. 60, to `timeout`\./,
    ],
    [
      'a bad bandwidth cap',
      { 'sas-token': 'sig=x', 'cap-mbps': '0' },
      /bandwidth cap "0" is not a positive number of megabits a second\.\nGive `cap-mbps` a number such as 40/,
    ],
    ['a missing source folder', { source: 'build', 'sas-token': 'sig=x' }, /source folder ".*build" does not exist/],
    [
      'two ways to sign in',
      { 'sas-token': 'sig=x', 'account-key': 'a2V5' },
      /^More than one way to sign in was given \(sas-token, account-key\)/,
    ],
    ['half an OIDC identity', { 'client-id': '11111111-2222-3333-4444-555555555555' }, /tenant-id is missing/],
    ['a client id that is not a GUID', { 'client-id': 'my-app', 'tenant-id': 'contoso.com' }, /"my-app" is not a GUID/],
    ['a SAS without signature', { 'sas-token': 'sv=2022-11-02&sp=rl' }, /The SAS token has no signature/],
  ];
  for (const [label, inputs, message] of cases) {
    it(`fails with one clear error for ${label}`, async () => {
      const run = await runAction({ ...base, ...inputs }, { workspace: workspace() });
      assert.equal(run.code, 2, run.stdout);
      assert.equal(run.errors.length, 1, run.stdout);
      assert.match(run.errors[0]!, message);
      assert.doesNotMatch(run.stdout + run.stderr, /\n\s+at /, 'no stack trace');
    });
  }
});
