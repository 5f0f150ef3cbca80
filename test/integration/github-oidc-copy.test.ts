import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCT2 } from '../support/accounts.js';
import { useAzurite } from '../support/azurite.js';
import { runNode, ROOT } from '../support/cli.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { startFakeGithubOidc, type FakeGithubOidc } from '../support/fake-github-oidc.js';
import { makeTree, md5Base64, tempDir } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';
import { createTestCertificate } from '../support/tls.js';

// Bearer tokens only over HTTPS; Azurite itself checks a cross-account copy's source by asking it over HTTPS, so it
// trusts its own test certificate too.
const cert = createTestCertificate(tempDir('abs-tls-'));
const azurite = useAzurite({
  tls: { cert: cert.certPath, key: cert.keyPath },
  oauth: true,
  moreAccounts: [ACCT2],
  env: { NODE_EXTRA_CA_CERTS: cert.certPath },
});
const CLIENT_ID = '0b7c1f5e-3d7a-4a1e-9a53-6f1f2a3b4c5d';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';

let entra: FakeEntra;
let runner: FakeGithubOidc;
before(async () => {
  entra = await startFakeEntra(cert);
  runner = await startFakeGithubOidc();
});
after(async () => {
  await entra?.stop();
  await runner?.stop();
});

const serviceUrl = (account: string) => `https://127.0.0.1:${azurite.azurite.port}/${account}`;

/** A container's blobs and MD5s, read with the account key in a child process that trusts the test certificate. */
async function listBlobs(account: string, key: string, container: string): Promise<Record<string, string | undefined>> {
  const script = `
    import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
    const [url, account, key, name] = process.argv.slice(1);
    const blobs = {};
    const service = new BlobServiceClient(url, new StorageSharedKeyCredential(account, key));
    for await (const blob of service.getContainerClient(name).listBlobsFlat()) {
      blobs[blob.name] = blob.properties.contentMD5 ? Buffer.from(blob.properties.contentMD5).toString('base64') : undefined;
    }
    console.log(JSON.stringify(blobs));`;
  const result = await runNode('--input-type=module', ['-e', script, serviceUrl(account), account, key, container], {
    env: { NODE_EXTRA_CA_CERTS: cert.certPath },
    cwd: ROOT,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('GitHub Action (bundled): a container source read with the OIDC sign-in', () => {
  it('promotes to another account and to latest/ with nothing but the Entra sign-in', async () => {
    const oidc = { 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID, 'authority-host': entra.authorityHost };
    const env = { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath };
    const site = { 'site/index.html': '<p>v1</p>', 'site/app.js': 'let v = 1' };
    const staged = await runAction(
      {
        ...oidc,
        source: 'site',
        container: 'staging',
        'destination-path': 'v1',
        'create-container': 'true',
        'blob-endpoint': serviceUrl('devstoreaccount1'),
      },
      { workspace: makeTree(site), env },
    );
    assert.equal(staged.code, 0, staged.stdout + staged.stderr);

    for (const [account, container, destinationPath] of [
      [ACCT2.name, 'production', 'v1'], // another account
      ['devstoreaccount1', 'staging', 'latest'], // the same container
    ] as const) {
      const run = await runAction(
        {
          ...oidc,
          source: `${serviceUrl('devstoreaccount1')}/staging/v1`,
          container,
          'destination-path': destinationPath,
          'create-container': 'true',
          'blob-endpoint': serviceUrl(account),
        },
        { workspace: makeTree({ 'unused.txt': '' }), env },
      );
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(run.outputs.copied, '2', run.stdout);
      assert.match(
        run.log,
        /reading the source with OIDC \(GitHub workload identity federation\), a read-only user delegation SAS/,
      );
      const tokens = [...runner.issued, ...entra.issuedTokens];
      assert.deepEqual(findLeaks(run, tokens), []);
    }

    const production = await listBlobs(ACCT2.name, ACCT2.key, 'production');
    assert.deepEqual(production, { 'v1/app.js': md5Base64('let v = 1'), 'v1/index.html': md5Base64('<p>v1</p>') });
    const staging = await listBlobs('devstoreaccount1', azurite.azurite.accountKey, 'staging');
    assert.equal(staging['latest/index.html'], md5Base64('<p>v1</p>'));
  });
});
