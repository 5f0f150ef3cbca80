import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { accountsOf, ACCT2, BIG, seedStaging } from '../support/accounts.js';
import { useAzurite } from '../support/azurite.js';
import { codeBlocks, docText, usesThisAction } from '../support/docs.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';

const azurite = useAzurite({ moreAccounts: [ACCT2] });
const accounts = accountsOf(azurite);
const { connectionString, newContainer, sas } = accounts;

describe('GitHub Action (bundled) with a container URL as its source', () => {
  it('copies with the source SAS from its secret input, masked, and reports "copied"', async () => {
    const staging = await newContainer(DEV_ACCOUNT.name);
    const production = await newContainer(ACCT2.name);
    await seedStaging(staging);
    const sourceSas = sas(staging, 'rl');
    const run = await runAction(
      {
        source: `${staging.url}/v1`,
        'source-sas-token': sourceSas,
        container: production.containerName,
        'destination-path': 'latest',
        'connection-string': connectionString(ACCT2.name),
      },
      { workspace: makeTree({ 'unused.txt': '' }) },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.copied, '3');
    assert.equal(run.outputs.uploaded, '0');
    assert.match(run.summary, /\| copied \(by the service\) \| 3 \|/);
    assert.match(run.log, /the service copies, reading the source with source SAS/);
    const sig = new URLSearchParams(sourceSas).get('sig')!;
    assert.ok(run.masked.includes(sig), 'the source SAS signature is masked');
    assert.deepEqual(findLeaks(run, [sig, ACCT2.key]), []);
    const copied = await blobState(production, 'latest/');
    assert.equal(copied.get('latest/app-1.0.tar.gz')?.md5, md5Base64(BIG));
  });
});

describe("docs/server-side-copy.md's release promotion workflow (GitHub)", () => {
  it('runs both steps as written, OIDC swapped for the emulator keys and a source SAS', async () => {
    const workflow = codeBlocks(docText('docs/server-side-copy.md'), 'yaml')
      .map((yaml) => parse(yaml))
      .find((w) => w?.name === 'Promote a release');
    assert.ok(workflow, 'the page has the promotion workflow');
    const steps = (workflow.jobs.promote.steps as { uses?: string; with?: Record<string, string> }[]).filter(
      usesThisAction,
    );
    assert.equal(steps.length, 2);

    // mystagingaccount is the emulator's first account, myprodaccount the second; both hold a container "releases".
    const staging = await accounts.container(DEV_ACCOUNT.name, 'releases');
    const production = await accounts.container(ACCT2.name, 'releases');
    await seedStaging(staging, 'v1.2.0');
    await production.uploadBlockBlob('latest/app-1.1.0.tar.gz', 'old', 3);
    const expand = (value: string) =>
      value
        .replace('${{ inputs.version }}', 'v1.2.0')
        .replace('https://mystagingaccount.blob.core.windows.net', accounts.serviceUrl(DEV_ACCOUNT.name))
        .replace('https://myprodaccount.blob.core.windows.net', accounts.serviceUrl(ACCT2.name));

    const outputs: Record<string, string>[] = [];
    for (const [index, step] of steps.entries()) {
      const {
        'storage-account': account,
        'client-id': clientId,
        'tenant-id': tenantId,
        ...rest
      } = step.with as Record<string, string>;
      assert.ok(account && clientId && tenantId, 'the step signs in with OIDC');
      const inputs = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, expand(String(v))]));
      const signIn = {
        'connection-string': accounts.connectionString(ACCT2.name),
        // The production key cannot read the staging account: the first step gets the staging SAS instead of OIDC.
        ...(index === 0 ? { 'source-sas-token': accounts.sas(staging, 'rl') } : {}),
      };
      const run = await runAction({ ...inputs, ...signIn }, { workspace: makeTree({ 'unused.txt': '' }) });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      outputs.push(run.outputs);
    }
    assert.deepEqual(
      outputs.map((o) => [o.copied, o.deleted]),
      [
        ['3', '0'],
        ['3', '1'],
      ],
    );
    const release = await blobState(production, 'v1.2.0/');
    const latest = await blobState(production, 'latest/');
    assert.deepEqual(
      [...latest.keys()],
      [...release.keys()].map((name) => name.replace('v1.2.0/', 'latest/')),
    );
    assert.equal(latest.get('latest/app-1.0.tar.gz')?.md5, md5Base64(BIG));
    assert.equal(latest.get('latest/index.html')?.cacheControl, 'public, max-age=300');
    assert.equal(release.get('v1.2.0/index.html')?.cacheControl, 'public, max-age=31536000, immutable');
  });
});
