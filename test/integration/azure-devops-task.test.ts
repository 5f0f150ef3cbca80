import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { useAzurite } from '../support/azurite.js';
import { parse } from 'yaml';
import { findLeaks, runTask, type TaskRun } from '../support/azure-devops-task.js';
import { ROOT } from '../support/cli.js';
import { codeBlocks, docPages, docText } from '../support/docs.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';
import { startFakeProxy } from '../support/fake-proxy.js';

const azurite = useAzurite();

function sasFor(container: string, permissions = 'racwdl'): string {
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
  'site/index.html': '<h1>new</h1>',
  'site/about/index.html': '<p>about</p>',
  'site/assets/app.3f2a.js': 'console.log(1)',
  'site/assets/app.3f2a.js.map': '{}',
  'site/assets/site.css': 'h1{}',
};
const CACHE_RULES = '**/*.html=no-cache\nassets/**=public, max-age=31536000, immutable';

function explain(run: TaskRun): string {
  return `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
}

describe('Azure DevOps task (bundled) against Azurite', () => {
  it('syncs a static site with a SAS token: deletes, cache rules, outputs, summary, progress, masks', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('web/index.html', '<h1>old</h1>', 12);
    await container.uploadBlockBlob('web/assets/site.css', 'h1{}', 4); // same content, no Cache-Control yet
    await container.uploadBlockBlob('web/gone.html', 'x', 1);
    await container.uploadBlockBlob('other/keep.txt', 'k', 1);
    const workingDirectory = makeTree(SITE);
    const sas = sasFor(container.containerName);
    const signature = new URLSearchParams(sas).get('sig')!;
    const inputs = {
      authenticationType: 'sasToken',
      blobEndpoint: azurite.azurite.serviceUrl,
      sasToken: `?${sas}`,
      containerName: container.containerName,
      sourcePath: 'site',
      destinationPath: 'web',
      deleteDestination: 'true',
      exclude: '*.map',
      cacheControl: CACHE_RULES,
      compare: 'md5',
      concurrency: 'auto',
      deleteThreshold: '50%',
      dryRun: 'false',
      force: 'false',
      createContainer: 'false',
    };

    const run = await runTask(inputs, { workingDirectory });
    assert.equal(run.code, 0, explain(run));
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.match(run.result?.message ?? '', /uploaded 3, updated 1, skipped 0, deleted 1, failed 0/);
    const destination = `${container.url}/web`;
    const { changedPathsFile, ...counts } = run.outputs;
    assert.match(changedPathsFile ?? '', /changed-paths\.txt$/);
    assert.deepEqual(counts, {
      uploaded: '3',
      updated: '1',
      skipped: '0',
      deleted: '1',
      failed: '0',
      bytesUploaded: String(['<h1>new</h1>', '<p>about</p>', 'console.log(1)'].join('').length),
      destinationUrl: destination,
      copied: '0',
      downloaded: '0',
      bytesDownloaded: '0',
    });

    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [
      'other/keep.txt',
      'web/about/index.html',
      'web/assets/app.3f2a.js',
      'web/assets/site.css',
      'web/index.html',
    ]);
    assert.equal(state.get('web/index.html')?.md5, md5Base64('<h1>new</h1>'));
    assert.equal(state.get('web/index.html')?.cacheControl, 'no-cache');
    assert.equal(state.get('web/assets/site.css')?.cacheControl, 'public, max-age=31536000, immutable');
    assert.match(state.get('web/assets/app.3f2a.js')?.contentType ?? '', /^(application|text)\/javascript/);

    // One line per change at info level, in a collapsible group.
    assert.match(run.log, /^##\[group\]Changed files$/m);
    assert.match(run.log, /^uploaded {2}about\/index\.html \(12 B, new\)$/m);
    assert.match(run.log, /^updated {3}assets\/site\.css$/m);
    assert.match(run.log, /^deleted {3}gone\.html$/m);
    assert.match(run.log, /^##\[endgroup\]$/m);
    assert.equal(run.progress.at(-1), 100, `progress: ${run.progress.join(',')}`);

    // The summary tab: counts table and the secret-free destination.
    assert.equal(run.summaries.length, 1);
    assert.equal(run.summaries[0]?.name, 'Azure Blob sync.md');
    const summary = run.summaries[0]?.text ?? '';
    assert.match(summary, /✅ in sync/);
    assert.match(summary, /\| uploaded \| 3 \|/);
    assert.match(summary, /\| deleted \| 1 \|/);
    assert.ok(summary.includes(destination));

    // The SAS and its signature (raw and URL-decoded) are masked, and never printed.
    assert.ok(run.secrets.includes(`?${sas}`), `setsecret: ${run.secrets.join(' | ')}`);
    assert.ok(run.secrets.includes(signature));
    assert.ok(run.secrets.includes(decodeURIComponent(signature)));
    assert.deepEqual(findLeaks(run, [sas, signature, decodeURIComponent(signature)]), []);
    assert.ok(!run.log.includes('sig='), 'no SAS query in the log');

    // Second run: nothing changes; unchanged files are logged at debug level only.
    const again = await runTask(inputs, { workingDirectory });
    assert.equal(again.result?.result, 'Succeeded', explain(again));
    assert.deepEqual([again.outputs.uploaded, again.outputs.skipped, again.outputs.deleted], ['0', '4', '0']);
    assert.ok(
      again.commands.some((c) => c.command === 'task.debug' && c.message === 'unchanged index.html'),
      'skipped files at debug',
    );
    assert.doesNotMatch(again.log.replace(/##vso\[task\.debug\].*$/gm, ''), /index\.html/);
  });

  it('syncs a release folder with a connection string, masking the key', async () => {
    const container = await azurite.newContainer();
    const workingDirectory = makeTree({
      'out/app-1.2.0.tar.gz': 'tgz',
      'out/app-1.2.0.zip': 'zip',
      'out/notes.md': 'n',
    });
    const { connectionString, accountKey } = azurite.azurite;
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString,
        containerName: container.containerName,
        sourcePath: `${workingDirectory}/out`,
        destinationPath: 'releases/v1.2.0',
        include: '*.tar.gz\n*.zip',
        accessTier: 'Cool',
      },
      { workingDirectory },
    );
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.outputs.uploaded, '2');
    assert.equal(run.outputs.destinationUrl, `${container.url}/releases/v1.2.0`);
    assert.match(run.log, /^uploaded {2}app-1\.2\.0\.tar\.gz \(3 B, new\)$/m);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), [
      'releases/v1.2.0/app-1.2.0.tar.gz',
      'releases/v1.2.0/app-1.2.0.zip',
    ]);
    const tier = await container.getBlobClient('releases/v1.2.0/app-1.2.0.zip').getProperties();
    assert.equal(tier.accessTier, 'Cool');
    assert.ok(run.secrets.includes(connectionString));
    assert.ok(run.secrets.includes(accountKey));
    assert.deepEqual(findLeaks(run, [connectionString, accountKey]), []);
  });

  it('reports a dry run as succeeded with issues and sends nothing', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('old.txt', 'x', 1);
    const workingDirectory = makeTree({ 'new.txt': 'n' });
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: '.',
        deleteDestination: 'true',
        force: 'true',
        dryRun: 'true',
      },
      { workingDirectory },
    );
    assert.equal(run.code, 0, explain(run));
    assert.equal(run.result?.result, 'SucceededWithIssues', explain(run));
    assert.match(run.result?.message ?? '', /Dry run, nothing was sent: would be uploaded 1,.*would be deleted 1/);
    assert.match(run.log, /^would upload {2}new\.txt \(new\)$/m);
    assert.match(run.log, /^would delete {2}old\.txt$/m);
    assert.match(run.summaries[0]?.text ?? '', /dry run, nothing sent/);
    assert.deepEqual([...(await blobState(container)).keys()], ['old.txt']);
  });

  it('fails listing the failed files, deletes nothing, and keeps the others', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('extra.txt', 'x', 1);
    const workingDirectory = makeTree({ 'ok.txt': 'ok', 'bad.': 'x', 'fine.txt': 'f' });
    const run = await runTask(
      {
        authenticationType: 'sasToken',
        blobEndpoint: azurite.azurite.serviceUrl,
        sasToken: sasFor(container.containerName),
        containerName: container.containerName,
        sourcePath: '.',
        deleteDestination: 'true',
        force: 'true',
      },
      { workingDirectory },
    );
    assert.equal(run.code, 1, explain(run));
    assert.equal(run.result?.result, 'Failed');
    assert.match(run.result?.message ?? '', /1 file\(s\) could not be synced.*nothing was deleted.*bad\./);
    assert.ok(run.issues.some((i) => i.type === 'error' && /bad\./.test(i.message)));
    assert.equal(run.outputs.failed, '1');
    assert.equal(run.outputs.uploaded, '2');
    assert.match(run.summaries[0]?.text ?? '', /#### Failed files[\s\S]*`bad\.`/);
    assert.ok((await blobState(container)).has('extra.txt'), 'no delete after a failure');
  });

  it('fails with the guard message when too much would be deleted', async () => {
    const container = await azurite.newContainer();
    for (const name of ['a', 'b', 'c']) await container.uploadBlockBlob(`${name}.txt`, name, 1);
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: '.',
        deleteDestination: 'true',
        deleteThreshold: '0.5',
      },
      { workingDirectory: makeTree({ 'a.txt': 'a' }) },
    );
    assert.equal(run.code, 5, explain(run));
    assert.equal(run.result?.result, 'Failed');
    assert.match(run.result?.message ?? '', /Refusing to delete 2 of the 3 blobs/);
    assert.match(run.result?.message ?? '', /raise `deleteThreshold` or pass `force: true`/, 'the fix in input terms');
    assert.match(run.summaries[0]?.text ?? '', /❌ failed[\s\S]*How to fix/);
    assert.equal((await blobState(container)).size, 3);
  });
});

describe('Azure DevOps task (bundled) behind the agent proxy', () => {
  it("sends every request through the agent's proxy with its credentials, masking the password", async () => {
    const proxy = await startFakeProxy();
    try {
      const password = 'pr0xy:p@ss/word';
      const container = await azurite.newContainer();
      const run = await runTask(
        {
          authenticationType: 'connectionString',
          connectionString: azurite.azurite.connectionString,
          containerName: container.containerName,
          sourcePath: '.',
        },
        {
          workingDirectory: makeTree({ 'a.txt': 'a', 'b/c.txt': 'c' }),
          // As the agent passes its proxy settings: public variables, the password as a secret variable.
          env: {
            AGENT_PROXYURL: proxy.url,
            AGENT_PROXYUSERNAME: 'builder',
            SECRET_AGENT_PROXYPASSWORD: password,
            AGENT_PROXYBYPASSLIST: JSON.stringify(['dev\\.azure\\.com']),
          },
        },
      );
      assert.equal(run.result?.result, 'Succeeded', explain(run));
      assert.deepEqual([...(await blobState(container)).keys()].sort(), ['a.txt', 'b/c.txt']);
      const service = new URL(azurite.azurite.serviceUrl);
      const proxied = proxy.requests.filter((r) => r.line.includes(`//${service.host}${service.pathname}/`));
      assert.ok(proxied.length >= 3, proxy.requests.map((r) => r.line).join('\n')); // list and two uploads
      assert.ok(proxy.requests.every((r) => r.credentials === `builder:${password}`));
      assert.match(run.log, new RegExp(`Using the agent's proxy ${proxy.url}$`, 'm'));
      assert.ok(run.secrets.includes(password));
      // task-lib itself prints the agent's proxy password at debug level when it is imported, before the task runs;
      // the agent masks it there (it is a secret variable). Everything the task prints is checked.
      const fromTaskLib = `##vso[task.debug]Agent.ProxyPassword=${password}`;
      const log = run.log.split('\n').filter((line) => line !== fromTaskLib);
      assert.deepEqual(findLeaks({ ...run, log: log.join('\n') }, [password, encodeURIComponent(password)]), []);

      // A host in the agent's bypass list is reached directly.
      const seen = proxy.requests.length;
      const bypassed = await runTask(
        {
          authenticationType: 'connectionString',
          connectionString: azurite.azurite.connectionString,
          containerName: container.containerName,
          sourcePath: '.',
        },
        {
          workingDirectory: makeTree({ 'd.txt': 'd' }),
          env: { AGENT_PROXYURL: proxy.url, AGENT_PROXYBYPASSLIST: JSON.stringify(['127\\.0\\.0\\.1']) },
        },
      );
      assert.equal(bypassed.result?.result, 'Succeeded', explain(bypassed));
      assert.equal(proxy.requests.length, seen, 'no request went through the proxy');
    } finally {
      await proxy.stop();
    }
  });
});

describe("the docs' Azure Pipelines examples", () => {
  const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
  /** The inputs of every step of this task in a page's pipelines (steps of a pipeline, or of each of its jobs). */
  const stepsOf = (page: string): Record<string, unknown>[] =>
    codeBlocks(docText(page), 'yaml')
      .map((yaml) => parse(yaml))
      .flatMap((pipeline) => [pipeline, ...(Array.isArray(pipeline?.jobs) ? pipeline.jobs : [])])
      .flatMap((pipeline) => (Array.isArray(pipeline?.steps) ? pipeline.steps : []))
      .filter((step: { task?: string }) => step.task === `${task.name}@${task.version.Major}`)
      .map((step: { inputs: Record<string, unknown> }) => step.inputs);
  // The static-site and the release-folder pipelines, in that order.
  const steps = stepsOf('docs/azure-devops.md');

  /**
   * What the agent does before a task starts: `$(Variable)` macros expanded (one whose variable is not defined is
   * left as written), every value a string.
   */
  function agentInputs(inputs: Record<string, unknown>, variables: Record<string, string>): Record<string, string> {
    const names = new Set(
      task.inputs.flatMap((i: { name: string; aliases?: string[] }) => [i.name, ...(i.aliases ?? [])]),
    );
    for (const name of Object.keys(inputs)) assert.ok(names.has(name), `task.json declares the input ${name}`);
    const expand = (value: unknown) =>
      String(value).replace(/\$\(([\w.]+)\)/g, (macro, name: string) => variables[name] ?? macro);
    // Sign in to the emulator instead of through the service connection; everything else runs as written.
    const { azureSubscription: _connection, storageAccount: _account, ...rest } = inputs;
    return {
      ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, expand(v)])),
      authenticationType: 'connectionString',
      connectionString: azurite.azurite.connectionString,
    };
  }

  it('signs in with the service connection in every pipeline of every page', () => {
    // The live-site pipeline (with a purge) runs in live-purge.test.ts, beside a fake Resource Manager; the preview
    // pipeline in azure-devops-preview.test.ts; the promotion in azure-devops-copy.test.ts; the README's quick start in
    // readme-quick-start.test.ts; the pipelines of "Coming from…" in coming-from.test.ts.
    assert.equal(steps.length, 2, 'docs/azure-devops.md: a static-site and a release-folder step');
    assert.ok(stepsOf('docs/live-site.md').some((inputs) => inputs.purgeEndpoint));
    assert.ok(stepsOf('docs/previews.md').some((inputs) => inputs.preview));
    const all = ['README.md', ...docPages()].flatMap(stepsOf);
    assert.ok(all.length >= 8, `steps: ${all.length}`);
    for (const inputs of all) assert.ok(inputs.azureSubscription && inputs.storageAccount, JSON.stringify(inputs));
  });

  it('runs the static-site step as written', async () => {
    const container = await azurite.newContainer();
    for (const name of ['stale.html', 'index.html', 'assets/app.3f2a.js'])
      await container.uploadBlockBlob(name, 'x', 1);
    const workingDirectory = makeTree({
      'dist/index.html': '<h1>hi</h1>',
      'dist/assets/app.3f2a.js': 'export const x = 1;\n'.repeat(100),
      'dist/assets/app.3f2a.js.map': '{}',
    });
    const inputs = agentInputs(steps[0]!, { 'System.DefaultWorkingDirectory': workingDirectory });
    const run = await runTask({ ...inputs, containerName: container.containerName }, { workingDirectory });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), ['assets/app.3f2a.js', 'index.html']);
    assert.equal(state.get('index.html')?.cacheControl, 'no-cache');
    assert.equal(state.get('assets/app.3f2a.js')?.cacheControl, 'public, max-age=31536000, immutable');
    assert.equal(state.get('assets/app.3f2a.js')?.contentEncoding, 'br', 'the compress rule applies');
    assert.equal(state.get('index.html')?.contentEncoding, undefined, 'too small to shrink: stored as it is');
  });

  it('runs the release-folder step as written', async () => {
    const container = await azurite.newContainer();
    const workingDirectory = makeTree({
      'out/app-1.2.0.zip': 'zip',
      'out/app-1.2.0.tar.gz': 'tgz',
      'out/SHA256SUMS': 'sums',
      'out/build.log': 'log',
    });
    const inputs = agentInputs(steps[1]!, {
      'Build.SourcesDirectory': workingDirectory,
      'Build.SourceBranchName': 'v1.2.0',
    });
    const run = await runTask({ ...inputs, containerName: container.containerName }, { workingDirectory });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [
      'v1.2.0/SHA256SUMS',
      'v1.2.0/app-1.2.0.tar.gz',
      'v1.2.0/app-1.2.0.zip',
    ]);
    assert.equal(state.get('v1.2.0/app-1.2.0.zip')?.cacheControl, 'public, max-age=31536000, immutable');
    const properties = await container.getBlobClient('v1.2.0/app-1.2.0.zip').getProperties();
    assert.equal(properties.accessTier, 'Cool');
  });

  it('runs the sliced (shard: auto) step as written: its slices together make the mirror', async () => {
    const step = stepsOf('docs/shards.md').find((inputs) => inputs.shard === 'auto');
    assert.ok(step, 'docs/shards.md has a sliced pipeline');
    const container = await azurite.newContainer();
    const files = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`site/page-${i}.html`, `<p>${i}</p>`]));
    const workspace = makeTree(files);
    const inputs = agentInputs(step, { 'Pipeline.Workspace': workspace });
    for (let position = 1; position <= 4; position++) {
      const run = await runTask(
        { ...inputs, containerName: container.containerName },
        {
          workingDirectory: workspace,
          env: { SYSTEM_JOBPOSITIONINPHASE: String(position), SYSTEM_TOTALJOBSINPHASE: '4' },
        },
      );
      assert.equal(run.result?.result, 'Succeeded', explain(run));
      assert.ok(Number(run.outputs.uploaded) < 24, `slice ${position} uploaded only its part`);
    }
    const state = await blobState(container);
    assert.deepEqual(
      [...state.keys()].sort(),
      Object.keys(files)
        .map((n) => n.replace(/^site\//, ''))
        .sort(),
    );
  });
});

describe('Azure DevOps task (bundled) bad input', () => {
  const CONNECTION = '0b8e9c1f-5c55-4a4e-9a36-2f8f0c7d1e42';
  const base = { containerName: 'site', sourcePath: '.' };
  const cases: [string, Record<string, string>, Parameters<typeof runTask>[1]['endpoints'], RegExp][] = [
    ['no source path', { containerName: 'site' }, [], /input "sourcePath" is required/],
    ['a missing source folder', { ...base, sourcePath: 'nope' }, [], /does not exist/],
    ['a bad boolean', { ...base, dryRun: 'yes' }, [], /"dryRun" must be true or false/],
    ['an unknown authenticationType', { ...base, authenticationType: 'oidc' }, [], /Unknown authenticationType/],
    ['no service connection', { ...base, storageAccount: 'acct' }, [], /azureSubscription.*Azure Resource Manager/],
    [
      'a service connection the pipeline cannot use',
      { ...base, azureSubscription: CONNECTION, storageAccount: 'acct' },
      [],
      /not available to this task.*authorized/,
    ],
    [
      'an unsupported scheme',
      { ...base, azureSubscription: CONNECTION, storageAccount: 'acct' },
      [{ id: CONNECTION, scheme: 'UsernamePassword', parameters: { username: 'u', password: 'p' } }],
      /scheme "UsernamePassword", which this task does not support.*WorkloadIdentityFederation/,
    ],
    [
      'a federated connection without tenant',
      { ...base, azureSubscription: CONNECTION, storageAccount: 'acct' },
      [{ id: CONNECTION, scheme: 'WorkloadIdentityFederation', parameters: { serviceprincipalid: 'c' } }],
      /is missing the tenant id.*Workload identity federation/,
    ],
    [
      'no storage account',
      { ...base, azureSubscription: CONNECTION },
      [{ id: CONNECTION, scheme: 'ManagedServiceIdentity', parameters: { tenantid: 't' } }],
      /No storage account was given.*storageAccount/,
    ],
    [
      'an Azure Stack connection without blobEndpoint',
      { ...base, azureSubscription: CONNECTION, storageAccount: 'acct' },
      [
        {
          id: CONNECTION,
          scheme: 'ManagedServiceIdentity',
          parameters: { tenantid: 't' },
          data: { environment: 'AzureStack' },
        },
      ],
      /cloud "AzureStack".*Set `blobEndpoint:`/,
    ],
    [
      'an empty SAS token',
      { ...base, authenticationType: 'sasToken', storageAccount: 'acct' },
      [],
      /sasToken is empty/,
    ],
    [
      'a SAS without signature',
      { ...base, authenticationType: 'sasToken', storageAccount: 'acct', sasToken: 'sv=2022-11-02&sp=rl' },
      [],
      /no signature/,
    ],
    ['a bad compare mode', { ...base, authenticationType: 'sasToken', compare: 'mtime' }, [], /Unknown compare mode/],
    [
      'a bad bandwidth cap',
      { ...base, authenticationType: 'sasToken', capMbps: '-1' },
      [],
      /bandwidth cap "-1" is not a positive number of megabits a second\. Give `capMbps` a number such as 40/,
    ],
    [
      'a bad timeout',
      { ...base, authenticationType: 'sasToken', timeout: 'soon' },
      [],
      /timeout "soon" is not a positive number of seconds\. Give the seconds as a number, e\.g\. 60, to `timeout`\./,
    ],
  ];
  for (const [label, inputs, endpoints, message] of cases) {
    it(`fails with one clear message for ${label}`, async () => {
      const run = await runTask(inputs, { workingDirectory: makeTree({ 'a.txt': 'a' }), endpoints });
      assert.equal(run.result?.result, 'Failed', explain(run));
      assert.match(run.result?.message ?? '', message);
      assert.equal(run.issues.filter((i) => i.type === 'error').length, 1, explain(run));
      assert.notEqual(run.code, 0);
      assert.equal(run.stderr, '');
    });
  }
});
