import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runNode, ROOT } from '../support/cli.js';
import { useAzurite } from '../support/azurite.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { startFakeGithubOidc, type FakeGithubOidc } from '../support/fake-github-oidc.js';
import { makeTree, md5Base64, tempDir } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';
import { createTestCertificate } from '../support/tls.js';

// Azurite accepts bearer tokens only over HTTPS; the action trusts the test certificate as the runner's CA store
// would trust a real one.
const cert = createTestCertificate(tempDir('abs-tls-'));
const azurite = useAzurite({ tls: { cert: cert.certPath, key: cert.keyPath }, oauth: true });
const CLIENT_ID = '0b7c1f5e-3d7a-4a1e-9a53-6f1f2a3b4c5d';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const DEFAULT_AUDIENCE = 'api://AzureADTokenExchange';
/** A client whose federated credential does not match the run: Entra refuses it. */
const UNTRUSTED_CLIENT_ID = '9d5f0e4c-0000-4000-8000-00000000dead';
const NO_MATCH =
  "AADSTS700213: No matching federated identity record found for presented assertion subject 'repo:octo-org/site:ref:refs/heads/main'.";

let entra: FakeEntra;
let runner: FakeGithubOidc;
before(async () => {
  // Tokens reported as already expiring make the SDK refresh before every storage request, and a lifetime
  // under MSAL's 5-minute margin makes every refresh go to Entra with a new assertion: a long run in miniature.
  entra = await startFakeEntra({
    ...cert,
    tokenLifetimeSeconds: 120,
    reportedLifetimeSeconds: 0,
    refuse: (request) => (request.clientId === UNTRUSTED_CLIENT_ID ? NO_MATCH : undefined),
  });
  runner = await startFakeGithubOidc();
});
after(async () => {
  await entra?.stop();
  await runner?.stop();
});

/** The container's blobs, read in a child process that trusts the test certificate, with the account key. */
async function listBlobs(container: string): Promise<Record<string, string | undefined>> {
  const script = `
    import { BlobServiceClient } from '@azure/storage-blob';
    const [connectionString, name] = process.argv.slice(1);
    const blobs = {};
    for await (const blob of BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name).listBlobsFlat()) {
      blobs[blob.name] = blob.properties.contentMD5 ? Buffer.from(blob.properties.contentMD5).toString('base64') : undefined;
    }
    console.log(JSON.stringify(blobs));`;
  const result = await runNode('--input-type=module', ['-e', script, azurite.azurite.connectionString, container], {
    env: { NODE_EXTRA_CA_CERTS: cert.certPath },
    cwd: ROOT,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('GitHub Action (bundled): OIDC end to end', () => {
  it('signs in with the runner ID token through Entra, refreshing the assertion, and never logs a token', async () => {
    const files = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`public/page-${i}.html`, `<p>${i}</p>`]));
    const workspace = makeTree(files);
    const run = await runAction(
      {
        source: 'public',
        container: 'oidc-site',
        'create-container': 'true',
        'blob-endpoint': azurite.azurite.serviceUrl,
        'client-id': CLIENT_ID,
        'tenant-id': TENANT_ID,
        'authority-host': entra.authorityHost,
        // One file at a time: many sequential requests, each asking the credential for a token.
        concurrency: '1',
      },
      { workspace, env: { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath } },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.outputs.uploaded, '8');
    assert.match(run.log, /\(OIDC \(GitHub workload identity federation\)\)/);

    // The runner endpoint was asked with its request token and the default audience, more than once.
    assert.ok(runner.requests.length >= 2, `ID token requests: ${runner.requests.length}`);
    assert.ok(runner.requests.every((r) => r.authorized && r.audience === DEFAULT_AUDIENCE));
    // Entra saw client credentials with those ID tokens as assertions, and a fresh one on refresh.
    // Create, list and eight uploads: one token request each.
    assert.ok(entra.requests.length >= 10, `token requests: ${entra.requests.length}`);
    for (const request of entra.requests) {
      assert.deepEqual([request.clientId, request.tenantId], [CLIENT_ID, TENANT_ID]);
      assert.ok(runner.issued.includes(request.clientAssertion), 'the assertion is an ID token from the runner');
      assert.equal(request.scope, 'https://storage.azure.com/.default');
    }
    assert.equal(new Set(entra.requests.map((r) => r.clientAssertion)).size, entra.requests.length, 'new ID tokens');

    const blobs = await listBlobs('oidc-site');
    assert.deepEqual(
      Object.keys(blobs).sort(),
      Object.keys(files)
        .map((f) => f.slice('public/'.length))
        .sort(),
    );
    assert.equal(blobs['page-3.html'], md5Base64('<p>3</p>'));

    // Every ID token and access token was masked, and none reached the log, the summary or the outputs.
    const tokens = [...runner.issued, ...entra.issuedTokens, runner.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN];
    for (const token of tokens) assert.ok(run.masked.includes(token), `masked ${token.slice(0, 12)}…`);
    assert.deepEqual(findLeaks(run, tokens), []);
  });

  it('takes the identity and authority from AZURE_* variables and uses the audience input', async () => {
    const before = runner.requests.length;
    const workspace = makeTree({ 'site/index.html': '<p>env</p>' });
    const inputs = {
      source: 'site',
      container: 'oidc-env',
      'create-container': 'true',
      'blob-endpoint': azurite.azurite.serviceUrl,
      audience: 'api://contoso-deploy',
    };
    const env = {
      ...runner.env,
      NODE_EXTRA_CA_CERTS: cert.certPath,
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
    };
    const first = await runAction(inputs, { workspace, env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(first.outputs.uploaded, '1');
    const asked = runner.requests.slice(before);
    assert.ok(asked.length > 0 && asked.every((r) => r.audience === 'api://contoso-deploy'));

    const second = await runAction(inputs, { workspace, env });
    assert.equal(second.code, 0, second.stdout);
    assert.deepEqual([second.outputs.uploaded, second.outputs.skipped], ['0', '1']);
  });

  it('fails with a clear auth error when the runner refuses the ID-token request', async () => {
    const run = await runAction(
      {
        source: 'site',
        container: 'oidc-refused',
        'blob-endpoint': azurite.azurite.serviceUrl,
        'client-id': CLIENT_ID,
        'tenant-id': TENANT_ID,
        'authority-host': entra.authorityHost,
      },
      {
        workspace: makeTree({ 'site/a.txt': 'a' }),
        env: {
          ...runner.env,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'stale-request-token',
          NODE_EXTRA_CA_CERTS: cert.certPath,
        },
      },
    );
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(run.errors[0]!, /^The GitHub runner did not issue an ID token \(.*401/);
    assert.match(run.errors[0]!, /id-token: write/);
    assert.deepEqual(findLeaks(run, ['stale-request-token']), []);
  });

  it('fails with the federated-credential hint when Entra refuses the assertion', async () => {
    const run = await runAction(
      {
        source: 'site',
        container: 'oidc-untrusted',
        'blob-endpoint': azurite.azurite.serviceUrl,
        'client-id': UNTRUSTED_CLIENT_ID,
        'tenant-id': TENANT_ID,
        'authority-host': entra.authorityHost,
      },
      { workspace: makeTree({ 'site/a.txt': 'a' }), env: { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath } },
    );
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(
      run.errors[0]!,
      new RegExp(`^Entra ID refused the federated sign-in of client ${UNTRUSTED_CLIENT_ID}`),
    );
    assert.match(run.errors[0]!, /AADSTS700213: No matching federated identity record/);
    assert.match(run.errors[0]!, /subject matching this run \(repo:OWNER\/REPO:ref:refs\/heads\/BRANCH/);
    assert.deepEqual(findLeaks(run, runner.issued), []);
  });

  it('says Entra ID cannot be reached when the authority host does not answer', async () => {
    const run = await runAction(
      {
        source: 'site',
        container: 'oidc-unreachable',
        'blob-endpoint': azurite.azurite.serviceUrl,
        'client-id': CLIENT_ID,
        'tenant-id': TENANT_ID,
        // Loopback, a closed port: nothing leaves the machine.
        'authority-host': 'https://127.0.0.1:9',
      },
      { workspace: makeTree({ 'site/a.txt': 'a' }), env: { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath } },
    );
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.errors[0]!, /^Could not reach Entra ID at https:\/\/127\.0\.0\.1:9 \(/);
    assert.match(run.errors[0]!, /Check authority-host/);
  });
});
