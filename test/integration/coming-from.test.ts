import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  ContainerSASPermissions,
  type ContainerClient,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { parse } from 'yaml';
import { FLAGS } from '../../src/platform/cli/args.js';
import { useAzurite } from '../support/azurite.js';
import { runTask } from '../support/azure-devops-task.js';
import { BUNDLE_NODE, CLI_BUNDLE, ROOT } from '../support/cli.js';
import { blobState, makeTree, md5Base64, tempDir } from '../support/files.js';
import { codeBlocks, codeSpans, docSection, tableRows } from '../support/docs.js';

const azurite = useAzurite();
const PAGE = 'docs/migrating.md';
const AZCOPY = docSection(PAGE, '## AzCopy');
const AZ = docSection(PAGE, '## az storage');
const FILE_COPY = docSection(PAGE, '## Azure File Copy');
const BEHAVIOURS = docSection(PAGE, '## Behaviours that differ, and why');

const ACTION_INPUTS = new Set(Object.keys(parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')).inputs));
const TASK = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
const TASK_INPUTS = new Set<string>(TASK.inputs.map((i: { name: string }) => i.name));

/** The example written for us (its first line says so), and the one for the tool it replaces. */
function examples(text: string, language: string): { theirs: string; ours: string } {
  const blocks = codeBlocks(text, language);
  const ours = blocks.filter((b) => b.startsWith('# with azure-blob-sync'));
  assert.equal(ours.length, 1, 'one example with azure-blob-sync');
  assert.equal(blocks.length, 2, 'and one with the tool it replaces');
  return { ours: ours[0]!, theirs: blocks.find((b) => b !== ours[0])! };
}

function sas(container: ContainerClient, permissions: string): string {
  const { accountName, accountKey } = azurite.azurite;
  return generateBlobSASQueryParameters(
    {
      containerName: container.containerName,
      permissions: ContainerSASPermissions.parse(permissions),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(accountName, accountKey),
  ).toString();
}

/** An account SAS for the blob service, as AzCopy users often keep one `$SAS` for several containers. */
function accountSas(permissions: string): string {
  const { accountName, accountKey } = azurite.azurite;
  return generateAccountSASQueryParameters(
    {
      permissions: AccountSASPermissions.parse(permissions),
      resourceTypes: AccountSASResourceTypes.parse('co').toString(),
      services: AccountSASServices.parse('b').toString(),
      expiresOn: new Date(Date.now() + 3600_000),
    },
    new StorageSharedKeyCredential(accountName, accountKey),
  ).toString();
}

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The HOME the script ran with: whatever a tool keeps between runs (AzCopy's plans and logs) would be here. */
  home: string;
}

/**
 * Runs a shell example of the page with bash, as a user would: `azure-blob-sync` on the PATH is the bundled CLI, the
 * account URL and name point at Azurite, `$SAS` is set. Stops at the first failing command (`bash -e`).
 */
function runScript(
  script: string,
  options: { cwd: string; containers: Record<string, ContainerClient>; env?: NodeJS.ProcessEnv },
): Promise<ScriptRun> {
  const bin = tempDir('abs-bin-');
  const shim = path.join(bin, 'azure-blob-sync');
  writeFileSync(shim, `#!/bin/sh\nexec "${BUNDLE_NODE}" "${CLI_BUNDLE}" "$@"\n`);
  chmodSync(shim, 0o755);
  const containerName = (written: string) => {
    const container = options.containers[written.replace(/^\\/, '')];
    assert.ok(container, `the test has a container for ${written}`);
    return container;
  };
  const text = script
    .replace(
      /https:\/\/myaccount\.blob\.core\.windows\.net\/(\\\$web|releases)/g,
      (_, name: string) => containerName(name).url,
    )
    .replace(/--storage-account myaccount/g, `--blob-endpoint ${azurite.azurite.serviceUrl}`)
    .replace(/'\$web'/g, () => containerName('$web').containerName);
  const file = path.join(bin, 'example.sh');
  writeFileSync(file, text);
  const home = tempDir('abs-home-');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', file], {
      cwd: options.cwd,
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: home, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, home }));
  });
}

/** Lines of one kind the CLI printed (`+ uploaded  index.html (…)`), by name, in order. */
function fileLines(stdout: string, kind: string): string[] {
  return [...stdout.matchAll(new RegExp(`^[-+~=!] ${kind} +(\\S+)`, 'gm'))].map((m) => m[1]!);
}

describe('docs/migrating.md: coming from AzCopy', () => {
  const rows = tableRows(AZCOPY);

  it('maps every AzCopy flag its example uses to flags the CLI has', () => {
    const { theirs } = examples(AZCOPY, 'sh');
    const mapped = rows.flatMap(
      (row) =>
        codeSpans(row[0]!)
          .join(' ')
          .match(/--[a-z-]+|AZCOPY_\w+/g) ?? [],
    );
    for (const flag of theirs.match(/--[a-z-]+|AZCOPY_\w+/g) ?? [])
      assert.ok(mapped.includes(flag), `${flag} is mapped`);
    for (const row of rows)
      for (const flag of codeSpans(row[1]!)
        .join(' ')
        .match(/--[a-z-]+/g) ?? [])
        assert.ok(flag.slice(2) in FLAGS, `the CLI has ${flag}`);
  });

  it('runs the azure-blob-sync example: a guarded mirror of dist/ after a dry run, and the release archives', async () => {
    const web = await azurite.newContainer();
    const releases = await azurite.newContainer();
    for (const name of ['index.html', 'stale.html']) await web.uploadBlockBlob(name, 'old', 3);
    const cwd = makeTree({
      'dist/index.html': '<p>new</p>',
      'dist/about/index.html': '<p>about</p>',
      'dist/assets/app.js': 'x',
      'dist/assets/app.js.map': '{}',
      'out/app-1.2.0.zip': 'zip',
      'out/app-1.2.0.tar.gz': 'tgz',
      'out/linux/app-1.2.0-linux.tar.gz': 'linux',
      'out/build.log': 'log',
    });
    const run = await runScript(examples(AZCOPY, 'sh').ours, {
      cwd,
      containers: { $web: web, releases },
      // One $SAS for both containers, with no more than the page asks for: w and l, and d for the mirror.
      env: { SAS: accountSas('wdl') },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^would delete {2}stale\.html$/m, 'the dry run showed the delete');

    const site = await blobState(web);
    assert.deepEqual([...site.keys()].sort(), ['about/index.html', 'assets/app.js', 'index.html']);
    assert.equal(site.get('index.html')?.md5, md5Base64('<p>new</p>'), 'every blob carries its Content-MD5');

    const state = await blobState(releases);
    assert.deepEqual([...state.keys()].sort(), [
      'v1.2.0/app-1.2.0.tar.gz',
      'v1.2.0/app-1.2.0.zip',
      'v1.2.0/linux/app-1.2.0-linux.tar.gz',
    ]);
    const zip = await releases.getBlobClient('v1.2.0/app-1.2.0.zip').getProperties();
    assert.deepEqual(
      [zip.cacheControl, zip.contentType, zip.accessTier],
      ['public, max-age=31536000, immutable', 'application/octet-stream', 'Cool'],
    );
  });
});

describe('docs/migrating.md: coming from az storage', () => {
  const rows = tableRows(AZ);

  it('maps each az option to a CLI flag, an Action input and a task input that exist', () => {
    const { theirs } = examples(AZ, 'sh');
    const mapped = rows.flatMap(
      (row) =>
        codeSpans(row[0]!)
          .join(' ')
          .match(/(?<= |^)-{1,2}[a-z-]+/g) ?? [],
    );
    for (const option of theirs.match(/(?<= )-{1,2}[a-z-]+/g) ?? [])
      assert.ok(mapped.includes(option), `${option} is mapped`);
    for (const row of rows) {
      for (const flag of codeSpans(row[1]!)
        .join(' ')
        .match(/--[a-z-]+/g) ?? [])
        assert.ok(flag.slice(2) in FLAGS, `the CLI has ${flag}`);
      for (const input of codeSpans(row[2]!)
        .map((span) => /^([\w-]+):/.exec(span)?.[1])
        .filter(Boolean))
        assert.ok(ACTION_INPUTS.has(input!), `action.yml has ${input}`);
      for (const input of codeSpans(row[3]!)
        .map((span) => /^(\w+):/.exec(span)?.[1])
        .filter(Boolean))
        assert.ok(TASK_INPUTS.has(input!), `task.json has ${input}`);
    }
  });

  it('runs the azure-blob-sync example (Entra ID sign-in swapped for the emulator key)', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('docs/index.html', 'old', 3);
    await container.uploadBlockBlob('docs/keep.css', 'kept', 4);
    const cwd = makeTree({ 'dist/index.html': '<p>1</p>', 'dist/a/page.html': '<p>2</p>', 'dist/app.js': 'x' });
    const run = await runScript(examples(AZ, 'sh').ours, {
      cwd,
      containers: { $web: container },
      env: { AZURE_STORAGE_KEY: azurite.azurite.accountKey },
    });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), ['docs/a/page.html', 'docs/index.html', 'docs/keep.css']);
    assert.equal(state.get('docs/index.html')?.md5, md5Base64('<p>1</p>'));
  });
});

describe('docs/migrating.md: coming from Azure File Copy', () => {
  const rows = tableRows(FILE_COPY);
  const { theirs, ours } = examples(FILE_COPY, 'yaml');
  const step = (yaml: string) => (parse(yaml).steps as { task: string; inputs: Record<string, unknown> }[])[0]!;

  it('maps every AzureFileCopy@6 input its example uses to task inputs that exist', () => {
    const before = step(theirs);
    assert.equal(before.task, 'AzureFileCopy@6');
    const mapped = rows.flatMap((row) => codeSpans(row[0]!).map((span) => /^(\w+):/.exec(span)?.[1]));
    for (const input of Object.keys(before.inputs)) assert.ok(mapped.includes(input), `${input} is mapped`);
    for (const row of rows)
      for (const input of codeSpans(row[1]!)
        .map((span) => /^(\w+):/.exec(span)?.[1])
        .filter(Boolean))
        assert.ok(TASK_INPUTS.has(input!), `task.json has ${input}`);
  });

  it('runs the AzureBlobSync@0 step as the agent would (service connection swapped for the emulator)', async () => {
    const after = step(ours);
    assert.equal(after.task, `${TASK.name}@${TASK.version.Major}`);
    const container = await azurite.newContainer();
    for (const name of ['docs/index.html', 'docs/old.html', 'other/keep.txt'])
      await container.uploadBlockBlob(name, 'x', 1);
    const workingDirectory = makeTree({
      'staging/site/index.html': '<p>hi</p>',
      'staging/site/assets/a.js': 'a',
      'staging/site/assets/a.js.map': '{}',
    });
    const variables: Record<string, string> = {
      'Build.ArtifactStagingDirectory': path.join(workingDirectory, 'staging'),
    };
    const { azureSubscription, storageAccount, ...inputs } = after.inputs;
    assert.ok(azureSubscription && storageAccount, 'the example signs in with the service connection');
    const expanded = Object.fromEntries(
      Object.entries(inputs).map(([k, v]) => [
        k,
        String(v).replace(/\$\(([\w.]+)\)/g, (m, n: string) => variables[n] ?? m),
      ]),
    );
    const run = await runTask(
      {
        ...expanded,
        containerName: container.containerName,
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
      },
      { workingDirectory },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
    assert.match(run.stdout, /The source "staging\/site\/\*" is read as the folder staging\/site/);
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), ['docs/assets/a.js', 'docs/index.html', 'other/keep.txt']);
    const properties = await container.getBlobClient('docs/assets/a.js').getProperties();
    assert.equal(properties.accessTier, 'Cool');
  });
});

describe('docs/migrating.md: behaviours that differ', () => {
  it('runs the script: pages last, new dates upload nothing, an empty build is refused, nothing kept locally', async () => {
    const container = await azurite.newContainer();
    const cwd = makeTree({
      'dist/index.html': '<p>home</p>',
      'dist/about.html': '<p>about</p>',
      'dist/assets/app.js': 'x',
      'dist/assets/site.css': 'y',
    });
    const [script] = codeBlocks(BEHAVIOURS, 'sh');
    const run = await runScript(script!, { cwd, containers: { $web: container }, env: { SAS: sas(container, 'wdl') } });
    assert.equal(run.code, 5, 'the last command: refused to delete from an empty source\n' + run.stderr);
    assert.match(run.stderr, /matched no files, so deleting would empty the destination\. Nothing was changed\./);

    const uploaded = fileLines(run.stdout, 'uploaded');
    assert.deepEqual(
      [...uploaded].sort(),
      ['about.html', 'assets/app.js', 'assets/site.css', 'index.html'],
      'the first run only',
    );
    assert.deepEqual(uploaded.slice(2).sort(), ['about.html', 'index.html'], 'pages after every asset');
    assert.equal((run.stdout.match(/^ {2}skipped +4$/gm) ?? []).length, 1, 'the second run skipped all four');

    const state = await blobState(container);
    assert.equal(state.size, 4, 'the site is intact');
    for (const [name, blob] of state) assert.ok(blob.md5, `${name} has its Content-MD5`);
    assert.deepEqual(readdirSync(run.home), [], 'no job plan, log or cache was written');
  });
});
