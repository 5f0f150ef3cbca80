import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import {
  findLeaks,
  runTask,
  SYSTEM_ACCESS_TOKEN,
  type TaskEndpoint,
  type TaskRun,
} from '../support/azure-devops-task.js';
import { ROOT, runNode } from '../support/cli.js';
import { startFakeAdoOidc, type FakeAdoOidc } from '../support/fake-ado-oidc.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { makeTree, md5Base64, tempDir } from '../support/files.js';
import { createTestCertificate } from '../support/tls.js';

// Azurite accepts bearer tokens only over HTTPS; the task trusts the test certificate through NODE_EXTRA_CA_CERTS, as
// an agent trusts its machine's CA store.
const cert = createTestCertificate(tempDir('abs-ado-tls-'));
const azurite = useAzurite({ tls: { cert: cert.certPath, key: cert.keyPath }, oauth: true });
const CONNECTION = '3c9d2b7a-1e4f-4a6b-8c5d-9e0f1a2b3c4d';
const CLIENT_ID = '5e8a7c21-0f3d-4b9e-a1c6-7d2e3f4a5b6c';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** A closed loopback port: an authority that must not be used. */
const WRONG_AUTHORITY = 'https://127.0.0.1:9/';

let entra: FakeEntra;
let oidc: FakeAdoOidc;
before(async () => {
  // A token reported as already expiring makes the SDK fetch a new one before every storage request, and a lifetime
  // under MSAL's 5-minute margin sends every refresh to Entra with a new ID token: a long upload in miniature.
  entra = await startFakeEntra({ ...cert, tokenLifetimeSeconds: 120, reportedLifetimeSeconds: 0 });
  oidc = await startFakeAdoOidc({ ...cert, systemAccessToken: SYSTEM_ACCESS_TOKEN });
});
after(async () => {
  await entra?.stop();
  await oidc?.stop();
});

function federatedConnection(data: Record<string, string>, scheme = 'WorkloadIdentityFederation'): TaskEndpoint {
  return {
    id: CONNECTION,
    url: 'https://management.azure.com/',
    scheme,
    parameters: {
      serviceprincipalid: CLIENT_ID,
      tenantid: TENANT_ID,
      workloadIdentityFederationIssuer: 'https://vstoken.dev.azure.com/6a3f1c2e-0000-4000-8000-00000000cafe',
      workloadIdentityFederationSubject: 'sc://fabrikam/web/azure-storage-wif',
    },
    data: { environment: 'AzureCloud', subscriptionId: '00000000-0000-0000-0000-000000000001', ...data },
  };
}

function inputs(container: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    azureSubscription: CONNECTION,
    blobEndpoint: azurite.azurite.serviceUrl,
    containerName: container,
    createContainer: 'true',
    sourcePath: 'site',
    ...extra,
  };
}

const explain = (run: TaskRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

/** The container's blobs and MD5s, read in a child process that trusts the test certificate, with the account key. */
async function listBlobs(container: string): Promise<Record<string, string | undefined>> {
  const script = `
    import { BlobServiceClient } from '@azure/storage-blob';
    const [connectionString, name] = process.argv.slice(1);
    const blobs = {};
    const client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name);
    for await (const blob of client.listBlobsFlat()) {
      const md5 = blob.properties.contentMD5;
      blobs[blob.name] = md5 ? Buffer.from(md5).toString('base64') : undefined;
    }
    console.log(JSON.stringify(blobs));`;
  const result = await runNode('--input-type=module', ['-e', script, azurite.azurite.connectionString, container], {
    env: { NODE_EXTRA_CA_CERTS: cert.certPath },
    cwd: ROOT,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('Azure DevOps task (bundled): workload identity federation end to end', () => {
  it('signs in through the service connection with fresh ID tokens, and never logs a token', async () => {
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`site/page-${i}.html`, `<p>${i}</p>`]));
    const oidcBefore = oidc.requests.length;
    const entraBefore = entra.requests.length;
    const run = await runTask(inputs('wif-site', { concurrency: '1' }), {
      workingDirectory: makeTree(files),
      endpoints: [federatedConnection({ activeDirectoryAuthority: `${entra.authorityHost}/` })],
      env: { SYSTEM_OIDCREQUESTURI: oidc.requestUri, NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.equal(run.code, 0);
    assert.equal(run.outputs.uploaded, '6');
    assert.equal(run.outputs.destinationUrl, `${azurite.azurite.serviceUrl}/wif-site`);
    assert.match(run.log, new RegExp(`\\(workload identity federation \\(service connection ${CONNECTION}\\)\\)`));

    // The agent's endpoint was asked as AzurePipelinesCredential must ask it, for every Entra sign-in.
    const oidcRequests = oidc.requests.slice(oidcBefore);
    const entraRequests = entra.requests.slice(entraBefore);
    assert.ok(oidcRequests.length >= entraRequests.length, `ID token requests: ${oidcRequests.length}`);
    for (const request of oidcRequests) {
      assert.deepEqual(request, {
        method: 'POST',
        apiVersion: '7.1',
        serviceConnectionId: CONNECTION,
        authorized: true,
        suppressRedirect: true,
      });
    }
    // Entra saw client credentials for the connection's identity, each with a new ID token from the agent: the
    // credential refreshes itself during a run instead of reusing the first token.
    assert.ok(entraRequests.length >= 8, `token requests: ${entraRequests.length}`); // create, list, six uploads
    for (const request of entraRequests) {
      assert.deepEqual([request.clientId, request.tenantId], [CLIENT_ID, TENANT_ID]);
      assert.ok(oidc.issued.includes(request.clientAssertion), 'the assertion is an ID token from the agent');
      assert.equal(request.scope, 'https://storage.azure.com/.default');
    }
    assert.equal(new Set(entraRequests.map((r) => r.clientAssertion)).size, entraRequests.length, 'new ID tokens');

    const blobs = await listBlobs('wif-site');
    assert.deepEqual(
      Object.keys(blobs).sort(),
      Object.keys(files).map((f) => f.slice('site/'.length)),
    );
    assert.equal(blobs['page-3.html'], md5Base64('<p>3</p>'));

    // The job token and every access token were masked; no token reached the log, stderr, summary or outputs.
    assert.ok(run.secrets.includes(SYSTEM_ACCESS_TOKEN), 'System.AccessToken masked');
    for (const token of entra.issuedTokens.slice(entraBefore)) {
      assert.ok(run.secrets.includes(token), `access token masked: ${token.slice(0, 12)}…`);
    }
    assert.deepEqual(findLeaks(run, [SYSTEM_ACCESS_TOKEN, ...oidc.issued, ...entra.issuedTokens]), []);
    assert.match(run.summaries[0]?.text ?? '', /✅ in sync/);
  });

  it("lets AZURE_AUTHORITY_HOST override the connection's authority (environmentAuthorityUrl)", async () => {
    const entraBefore = entra.requests.length;
    const run = await runTask(inputs('wif-authority'), {
      workingDirectory: makeTree({ 'site/index.html': '<p>authority</p>' }),
      endpoints: [federatedConnection({ environmentAuthorityUrl: WRONG_AUTHORITY })],
      env: {
        SYSTEM_OIDCREQUESTURI: oidc.requestUri,
        NODE_EXTRA_CA_CERTS: cert.certPath,
        AZURE_AUTHORITY_HOST: entra.authorityHost,
      },
    });
    assert.equal(run.result?.result, 'Succeeded', explain(run));
    assert.ok(entra.requests.length > entraBefore, 'signed in at the overriding authority');
    assert.deepEqual(Object.keys(await listBlobs('wif-authority')), ['index.html']);
  });

  it('fails naming the service connection when the agent refuses the ID token request', async () => {
    const wrongToken = 'stale-system-access-token-41d2';
    const run = await runTask(inputs('wif-refused'), {
      workingDirectory: makeTree({ 'site/a.txt': 'a' }),
      endpoints: [federatedConnection({ activeDirectoryAuthority: entra.authorityHost })],
      systemAccessToken: wrongToken,
      env: { SYSTEM_OIDCREQUESTURI: oidc.requestUri, NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    assert.equal(run.result?.result, 'Failed', explain(run));
    assert.equal(run.code, 3);
    assert.match(
      run.result?.message ?? '',
      new RegExp(
        `Azure DevOps did not issue an ID token for the workload identity federation \\(service connection ${CONNECTION}\\)`,
      ),
    );
    assert.match(run.result?.message ?? '', /401.*Pipeline permissions/);
    assert.ok(run.secrets.includes(wrongToken));
    assert.deepEqual(findLeaks(run, [wrongToken]), []);
  });

  it('fails with the fix when the agent does not expose System.OidcRequestUri', async () => {
    const run = await runTask(inputs('wif-no-uri'), {
      workingDirectory: makeTree({ 'site/a.txt': 'a' }),
      endpoints: [federatedConnection({})],
      env: { NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    assert.equal(run.result?.result, 'Failed', explain(run));
    assert.match(run.result?.message ?? '', /System\.OidcRequestUri.*service principal secret/);
  });

  it('uses the secret of a service principal connection, masks it, and explains a refusal', async () => {
    const secret = 'sp~secret.Value_8Q~abcdefghijklmnop';
    const connection = federatedConnection({ activeDirectoryAuthority: entra.authorityHost }, 'ServicePrincipal');
    connection.parameters = { ...connection.parameters, authenticationType: 'spnKey', serviceprincipalkey: secret };
    const run = await runTask(inputs('sp-secret'), {
      workingDirectory: makeTree({ 'site/a.txt': 'a' }),
      endpoints: [connection],
      env: { NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    // The fake Entra trusts only federated assertions, so it refuses the secret as Entra refuses an expired one.
    assert.equal(run.result?.result, 'Failed', explain(run));
    assert.match(run.result?.message ?? '', /service principal secret \(service connection .*\).*may have expired/);
    assert.ok(run.secrets.includes(secret), 'the secret is masked');
    assert.deepEqual(findLeaks(run, [secret]), []);
  });
});
