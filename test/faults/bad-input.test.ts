import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  type ContainerClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { ExitCode } from '../../src/engine/errors.js';
import { useAzurite } from '../support/azurite.js';
import { type ProcessResult, runCli, unprivilegedUser } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { blobState, makeTree, tempDir } from '../support/files.js';

const azurite = useAzurite();

function sas(container: string, permissions: string, expiresInMs = 3600_000): string {
  const { accountName, accountKey } = azurite.azurite;
  return generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse(permissions),
      startsOn: new Date(Date.now() - 7200_000),
      expiresOn: new Date(Date.now() + expiresInMs),
    },
    new StorageSharedKeyCredential(accountName, accountKey),
  ).toString();
}

/** A container holding one blob and one extra, so a wrong delete or upload would show. */
async function populatedContainer(): Promise<ContainerClient> {
  const container = await azurite.newContainer();
  await container.uploadBlockBlob('keep.txt', 'keep', 4);
  await container.uploadBlockBlob('extra.txt', 'extra', 5);
  return container;
}

/** A folder the child process cannot read (as an unprivileged user when the suite runs as root). */
function unreadableFolder(): string {
  const root = tempDir();
  chmodSync(root, 0o755);
  const folder = path.join(root, 'locked');
  mkdirSync(folder);
  chmodSync(folder, 0o000);
  return folder;
}

function assertOneLineError(result: ProcessResult, code: number, message: RegExp): void {
  assert.equal(result.code, code, `exit code\n${result.stdout}\n${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^azure-blob-sync: error: /);
  assert.match(lines[0]!, message);
}

describe('bad input changes nothing and says how to fix it', () => {
  const source = () => makeTree({ 'keep.txt': 'keep', 'new.txt': 'new' });
  const url = (container: ContainerClient, query: string) => `${container.url}?${query}`;
  const cases: {
    label: string;
    code: number;
    message: RegExp;
    args(container: ContainerClient): string[];
    options?: Parameters<typeof runCli>[1];
  }[] = [
    {
      label: 'an unreadable source folder',
      code: ExitCode.usage,
      message: /source folder ".*locked" cannot be read.*Check its permissions/,
      args: (c) => [unreadableFolder(), url(c, sas(c.containerName, 'racwdl'))],
      options: { user: unprivilegedUser() },
    },
    {
      label: 'an empty source with --delete-destination',
      code: ExitCode.guard,
      message: /matched no files, so deleting would empty the destination\. Nothing was changed\./,
      args: (c) => [makeTree({}), url(c, sas(c.containerName, 'racwdl')), '--delete-destination'],
    },
    {
      label: 'include patterns that match nothing',
      code: ExitCode.usage,
      message: /None of the 2 files .* match the include\/exclude patterns\..*--include "\*\*\/\*\.html"/,
      args: (c) => [source(), url(c, sas(c.containerName, 'racwdl')), '--include', '*.html', '--delete-destination'],
    },
    {
      label: 'an unknown compress encoding',
      code: ExitCode.usage,
      message:
        /Unknown encoding "zstd" in the compress rule "\*\.js=zstd"\..*--compress rules as glob=br, glob=gzip or glob=none/,
      args: (c) => [
        source(),
        url(c, sas(c.containerName, 'racwdl')),
        '--compress',
        '*.html=br',
        '--compress',
        '*.js=zstd',
      ],
    },
    {
      label: 'a SAS without write permission',
      code: ExitCode.auth,
      message:
        /SAS token grants "rl" but this sync also needs write \(w\)\. Nothing was changed\..*sp=wl, e\.g\. az storage container generate-sas --permissions wl\./,
      args: (c) => [source(), url(c, sas(c.containerName, 'rl'))],
    },
    {
      label: 'a SAS without delete permission',
      code: ExitCode.auth,
      message:
        /SAS token grants "rwl" but this sync also needs delete \(d\)\. Nothing was changed\..*sp=wdl, e\.g\. az storage container generate-sas --permissions wdl\./,
      args: (c) => [source(), url(c, sas(c.containerName, 'rwl')), '--delete-destination'],
    },
    {
      label: 'an expired SAS',
      code: ExitCode.auth,
      message: /The SAS token expired at .* \(se=\)\. Generate a new one/,
      args: (c) => [source(), url(c, sas(c.containerName, 'racwdl', -3600_000))],
    },
    {
      label: 'a wrong account key',
      code: ExitCode.auth,
      message: /refused to list the container .*\(403 AuthorizationFailure.*data-plane role/,
      args: (c) => [
        source(),
        '--container',
        c.containerName,
        '--connection-string',
        azurite.azurite.connectionString.replace(
          /AccountKey=[^;]+/,
          `AccountKey=${Buffer.alloc(64, 7).toString('base64')}`,
        ),
      ],
    },
    {
      label: 'an account that does not resolve',
      code: ExitCode.destination,
      message:
        /Cannot reach https:\/\/no-such-account-7f3a\.blob\.core\.invalid\/site \(ENOTFOUND\)\. Check the account name/,
      args: () => [source(), `https://no-such-account-7f3a.blob.core.invalid/site?sv=2024-01-01&sig=abc`],
      // Retrying a name that does not resolve would take 15 s or more of backoff; it must fail at once.
      options: { timeoutMs: 10_000 },
    },
  ];

  for (const { label, code, message, args, options } of cases) {
    it(`${label}: exit ${code}, one line with the fix, container untouched`, async () => {
      const container = await populatedContainer();
      const before = await blobState(container);
      const result = await runCli(args(container), options);
      assertOneLineError(result, code, message);
      assert.deepEqual(await blobState(container), before);
    });
  }

  it('shows the delete guard on a dry run, with the plan, and changes nothing', async () => {
    const container = await populatedContainer();
    for (const name of ['a', 'b', 'c']) await container.uploadBlockBlob(`old/${name}.txt`, name, 1);
    const before = await blobState(container);
    const args = [makeTree({ 'keep.txt': 'keep' }), url(container, sas(container.containerName, 'racwdl'))];
    const dry = await runCli([...args, '--delete-destination', '--dry-run']);
    assertOneLineError(
      dry,
      ExitCode.guard,
      /Refusing to delete 4 of the 5 blobs in scope: the source has 1 file and 1 blob would remain \(80% fewer than deployed\).*--force/,
    );
    assert.match(dry.stdout, /^would delete +old\/a\.txt$/m);

    const forcedDry = await runCli([...args, '--delete-destination', '--dry-run', '--force', '--json']);
    assert.equal(forcedDry.code, 0, forcedDry.stderr);
    assert.equal(jsonSummary(forcedDry).deleted, 4);
    assert.equal(jsonSummary(forcedDry).deleteGuard?.verdict, 'forced');
    assert.match(forcedDry.stderr, /^Delete guard: 4 of the 5 blobs in scope to delete; .*: allowed by force\.$/m);
    const raised = await runCli([...args, '--delete-destination', '--delete-threshold', '90%', '--dry-run']);
    assert.equal(raised.code, 0, raised.stderr);
    assert.match(
      raised.stdout,
      /^would delete +old\/c\.txt\nDelete guard: 4 of the 5 blobs in scope to delete; the source has 1 file and 1 blob would remain \(80% fewer than deployed\), within the 90% threshold: allowed\.$/m,
    );
    assert.deepEqual(await blobState(container), before);
  });
});

describe('per-file problems are reported and the rest completes', () => {
  it('reports unreadable files, over-long names and a symbolic link loop; uploads the rest', async () => {
    const long = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(220)).join('/');
    const source = makeTree({
      'ok.txt': 'ok',
      'secret/locked.txt': 'x',
      [`${long}/deep.txt`]: 'deep',
      'sub/a.txt': 'a',
    });
    chmodSync(source, 0o755);
    for (const dir of ['secret', 'sub']) chmodSync(path.join(source, dir), 0o755);
    chmodSync(path.join(source, 'secret/locked.txt'), 0o000);
    symlinkSync('..', path.join(source, 'sub', 'loop'));
    const container = await azurite.newContainer();
    const destination = `${container.url}?${sas(container.containerName, 'racwdl')}`;

    const result = await runCli([source, destination, '--json'], { user: unprivilegedUser() });
    assert.equal(result.code, ExitCode.partialFailure, result.stderr);
    const summary = jsonSummary(result);
    assert.deepEqual([summary.uploaded, summary.failed], [2, 2]);
    assert.deepEqual(
      summary.failures.map((f) => [f.name, f.reason]),
      [
        [
          `${long}/deep.txt`,
          'the blob name is 1113 characters long; the service allows 1024; rename the file, or leave it out with an exclude pattern; it was not sent',
        ],
        ['secret/locked.txt', 'cannot read: EACCES'],
      ],
    );
    assert.match(result.stderr, /warning: sub\/loop: not followed, the symbolic link loops back to a parent folder/);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['ok.txt', 'sub/a.txt']);
  });
});
