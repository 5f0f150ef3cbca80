import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  BlobSASPermissions,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { FLAGS } from '../../src/platform/cli/args.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree, md5Base64, tempDir } from '../support/files.js';

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

describe('CLI (bundled) against Azurite', () => {
  it('syncs to a container URL with a SAS, prints JSON, and skips everything the second time', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'index.html': '<p>1</p>', 'css/site.css': 'p{}' });
    const url = `${container.url}/site?${sasFor(container.containerName)}`;

    const first = await runCli([source, url, '--json']);
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout);
    assert.deepEqual([summary.uploaded, summary.skipped, summary.failed], [2, 0, 0]);
    // The folder synced into, as the Action's and the task's destination-url name it.
    assert.equal(summary.destination, `${container.url}/site`);
    assert.ok(!first.stdout.includes('sig='), 'no SAS in the JSON');
    assert.ok(!first.stderr.includes('sig='), 'no SAS in the log');
    const state = await blobState(container);
    assert.equal(state.get('site/index.html')?.md5, md5Base64('<p>1</p>'));

    const second = await runCli([source, url, '--json']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual([JSON.parse(second.stdout).uploaded, JSON.parse(second.stdout).skipped], [0, 2]);
  });

  it('syncs with a connection string from the environment, one line per changed file', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'a.txt': 'a', 'b/c.txt': 'c' });
    const result = await runCli([source, '--container', container.containerName, '--destination-path', 'v1'], {
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\+ uploaded +a\.txt \(1 B, new\)$/m);
    assert.match(result.stdout, /^\+ uploaded +b\/c\.txt/m);
    assert.match(result.stdout, /uploaded +2/);
    assert.ok(!result.stdout.includes(azurite.azurite.accountKey));
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['v1/a.txt', 'v1/b/c.txt']);
  });

  it('prints the plan on a dry run and sends nothing', async () => {
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('old.txt', 'x', 1);
    const source = makeTree({ 'new.txt': 'n' });
    const result = await runCli([
      source,
      `${container.url}?${sasFor(container.containerName)}`,
      '--dry-run',
      '--delete-destination',
      '--force',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /would upload +new\.txt \(new\)/);
    assert.match(result.stdout, /would delete +old\.txt/);
    assert.match(result.stdout, /Dry run/);
    assert.deepEqual([...(await blobState(container)).keys()], ['old.txt']);
  });

  it('starts its own emulator that keeps data between runs', async () => {
    const source = makeTree({ 'index.html': 'x', 'app.js': 'y' });
    const location = tempDir('abs-emulator-');
    const args = [source, '--emulator', '--emulator-location', location, '--json'];
    const first = await runCli(args);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).uploaded, 2);
    const second = await runCli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual([JSON.parse(second.stdout).uploaded, JSON.parse(second.stdout).skipped], [0, 2]);
  });

  it('exits 1 and lists the failure when a file fails, and exits 5 when the delete guard trips', async () => {
    const container = await azurite.newContainer();
    const url = `${container.url}?${sasFor(container.containerName)}`;
    const failing = await runCli([makeTree({ 'ok.txt': 'ok', 'bad.': 'x' }), url]);
    assert.equal(failing.code, 1);
    assert.match(failing.stdout, /failed: bad\.: .*trailing/);

    for (const name of ['a', 'b', 'c']) await container.uploadBlockBlob(`${name}.txt`, name, 1);
    const guarded = await runCli([makeTree({ 'a.txt': 'a' }), url, '--delete-destination']);
    assert.equal(guarded.code, 5, guarded.stderr);
    assert.match(guarded.stderr, /Refusing to delete 3 of the 4 blobs/);
    assert.ok((await blobState(container)).has('c.txt'));
  });

  it('exits 3 before sending anything when the SAS cannot list', async () => {
    const container = await azurite.newContainer();
    const source = makeTree({ 'a.txt': 'a' });
    const { accountName, accountKey } = azurite.azurite;
    const writeOnly = generateBlobSASQueryParameters(
      {
        containerName: container.containerName,
        blobName: 'a.txt',
        permissions: BlobSASPermissions.parse('w'),
        expiresOn: new Date(Date.now() + 3600_000),
      },
      new StorageSharedKeyCredential(accountName, accountKey),
    ).toString();
    const result = await runCli([source, `${container.url}?${writeOnly}`]);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stderr, /SAS token grants "w" but this sync also needs list \(l\)\. Nothing was changed\./);
    assert.ok(!result.stderr.includes(new URLSearchParams(writeOnly).get('sig')!));
  });
  it('exits 4 naming the fix when the container is missing, and creates it when asked', async () => {
    const source = makeTree({ 'a.txt': 'a' });
    const name = `missing-${process.pid}`;
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const missing = await runCli([source, '--container', name], { env });
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(missing.stderr, /does not exist.*--create-container/);
    const created = await runCli([source, '--container', name, '--create-container', '--access-tier', 'Cool'], { env });
    assert.equal(created.code, 0, created.stderr);
    const properties = await azurite.service.getContainerClient(name).getBlobClient('a.txt').getProperties();
    assert.equal(properties.accessTier, 'Cool');
  });
});

describe('CLI bad input', () => {
  const source = () => makeTree({ 'a.txt': 'a' });
  // Loopback with a closed port: even if validation let something through, nothing leaves the machine.
  const url = (path = 'site') => `http://127.0.0.1:9/devstoreaccount1/${path}?sig=x`;
  const cases: [string, () => string[], RegExp][] = [
    ['an unknown flag', () => [source(), url(), '--no-such-flag'], /Unknown option '--no-such-flag'/],
    ['no arguments', () => [], /No source folder and no destination/],
    ['a missing source', () => ['/nonexistent/folder', url()], /does not exist/],
    ['a file as source', () => [path.join(source(), 'a.txt'), url()], /is a file, not a folder/],
    ['an invalid container name', () => [source(), url('Bad_Name')], /not a valid container name/],
    ['a malformed URL', () => [source(), 'https//nope'], /is not a URL/],
    [
      'a malformed connection string',
      () => [source(), '--connection-string', 'AccountName=a', '--container', 'abc'],
      /neither AccountKey nor SharedAccessSignature/,
    ],
    ['a URL path with ..', () => [source(), url('site/x/../y')], /"\.\." segment/],
    ['a destination path with ..', () => [source(), url(), '--destination-path', 'a/../b'], /"\.\." segment/],
    ['a bad compare mode', () => [source(), url(), '--compare', 'mtime'], /Unknown compare mode/],
    [
      'a bad timeout',
      () => [source(), url(), '--timeout', 'soon'],
      /timeout "soon" is not a positive number.*to --timeout/,
    ],
  ];
  for (const [label, args, message] of cases) {
    it(`exits 2 with one clear line for ${label}`, async () => {
      const result = await runCli(args());
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /^azure-blob-sync: error: /);
    });
  }

  it('documents every flag in --help', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0);
    for (const flag of Object.keys(FLAGS)) assert.match(result.stdout, new RegExp(`--${flag}\\b`));
    assert.match(result.stdout, /Examples:/);
  });
});
