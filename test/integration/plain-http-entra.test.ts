import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runTask } from '../support/azure-devops-task.js';
import { runCli } from '../support/cli.js';
import { makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';

const CLIENT_ID = '11111111-2222-4333-8444-555555555555';
const TENANT_ID = '66666666-7777-4888-9999-000000000000';
const CONNECTION = '0b8e9c1f-5c55-4a4e-9a36-2f8f0c7d1e42';

/**
 * A loopback listener standing in for both the emulator and every token endpoint: it counts the connections made
 * to it, so "nothing was sent" is measured, not assumed.
 */
let server: Server;
let connections = 0;
let endpoint = '';
before(async () => {
  server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${port}/devstoreaccount1`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const UNTLS =
  /The blob endpoint http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1 is http, and Entra ID sign-in sends its token only over https\.\s+An http endpoint \(an emulator\) needs a connection string, an account key or a SAS: /;

describe('an http blob endpoint with Entra ID sign-in is a usage error, and nothing is sent', () => {
  it('CLI: a container URL without a SAS, key or connection string', async () => {
    for (const args of [[`${endpoint}/site`], ['--blob-endpoint', endpoint, '--container', 'site']]) {
      const env = {
        AZURE_CLIENT_ID: CLIENT_ID,
        AZURE_TENANT_ID: TENANT_ID,
        AZURE_AUTHORITY_HOST: endpoint.replace('http:', 'https:'),
      };
      const result = await runCli([makeTree({ 'a.txt': 'a' }), ...args], { env });
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, UNTLS);
      assert.match(
        result.stderr,
        /pass --connection-string, --account-key or a SAS \(in the URL or with --sas-token\)/,
      );
    }
    assert.equal(connections, 0);
  });

  it('Action: blob-endpoint with client-id and tenant-id (OIDC)', async () => {
    const run = await runAction(
      { source: '.', container: 'site', 'blob-endpoint': endpoint, 'client-id': CLIENT_ID, 'tenant-id': TENANT_ID },
      {
        workspace: makeTree({ 'a.txt': 'a' }),
        env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${endpoint}/token?x=1`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token' },
      },
    );
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.errors.length, 1, run.stdout);
    assert.match(run.errors[0]!, UNTLS);
    assert.match(run.errors[0]!, /pass `connection-string`, `account-key` or `sas-token` from a secret/);
    assert.equal(connections, 0);
  });

  it('task: blobEndpoint with a workload identity federation service connection', async () => {
    const run = await runTask(
      { containerName: 'site', sourcePath: '.', azureSubscription: CONNECTION, blobEndpoint: endpoint },
      {
        workingDirectory: makeTree({ 'a.txt': 'a' }),
        endpoints: [
          {
            id: CONNECTION,
            scheme: 'WorkloadIdentityFederation',
            parameters: { serviceprincipalid: CLIENT_ID, tenantid: TENANT_ID },
          },
        ],
        env: { SYSTEM_OIDCREQUESTURI: `${endpoint}/oidc` },
      },
    );
    assert.equal(run.result?.result, 'Failed', run.stdout);
    assert.equal(run.code, 2, run.stdout);
    assert.match(run.result?.message ?? '', UNTLS);
    assert.match(run.result?.message ?? '', /set `authenticationType: connectionString` \(or `sasToken`\)/);
    assert.equal(connections, 0);
  });
});
