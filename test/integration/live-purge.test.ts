import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { after, before, describe, it } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';
import { useAzurite } from '../support/azurite.js';
import { ROOT, runCli } from '../support/cli.js';
import { codeBlocks, docText } from '../support/docs.js';
import { runTask, findLeaks as findTaskLeaks } from '../support/azure-devops-task.js';
import { type FakeArm, startFakeArm } from '../support/fake-arm.js';
import { type FakeEntra, startFakeEntra } from '../support/fake-entra.js';
import { type FakeGithubOidc, startFakeGithubOidc } from '../support/fake-github-oidc.js';
import { blobState, makeTree, tempDir } from '../support/files.js';
import { findLeaks, runAction } from '../support/github-action.js';
import { createTestCertificate } from '../support/tls.js';

// Storage on plain Azurite (a connection string or SAS); the purge signs in with Entra (fake, HTTPS) and calls a
// fake Resource Manager (HTTPS), which the bundles trust through NODE_EXTRA_CA_CERTS.
const cert = createTestCertificate(tempDir('abs-tls-'));
const azurite = useAzurite();
const CLIENT_ID = '3f1e2d4c-5b6a-4978-8a9b-0c1d2e3f4a5b';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const SP_SECRET = 'sp-secret-value-9Qx~7bK.Lm2';
const SUBSCRIPTION = '0b1c2d3e-0000-4000-8000-000000000001';
const PROFILE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/web-rg/providers/Microsoft.Cdn/profiles`;
const FRONT_DOOR = `${PROFILE_ID}/web-fd/afdEndpoints/web-ep`;
const CDN = `${PROFILE_ID}/web-cdn/endpoints/web-classic`;

let entra: FakeEntra;
let runner: FakeGithubOidc;
let arm: FakeArm;
let refusingArm: FakeArm;
before(async () => {
  entra = await startFakeEntra({ ...cert, clientSecrets: { [CLIENT_ID]: SP_SECRET } });
  runner = await startFakeGithubOidc();
  arm = await startFakeArm({ ...cert, pollsBeforeDone: 2 });
  refusingArm = await startFakeArm({
    ...cert,
    refuse: () => ({
      status: 403,
      code: 'AuthorizationFailed',
      message: `The client '${CLIENT_ID}' does not have authorization to perform action 'Microsoft.Cdn/profiles/endpoints/purge/action'.`,
    }),
  });
});
after(async () => {
  await Promise.all([entra?.stop(), runner?.stop(), arm?.stop(), refusingArm?.stop()]);
});

/** `site/` deployed; the build changes the home page, adds a docs page, drops an asset and keeps the rest. */
async function deployed(container: ContainerClient): Promise<void> {
  for (const [name, body] of [
    ['site/index.html', '<p>old</p>'],
    ['site/assets/app.1.js', 'old'],
    ['site/about.html', '<p>about</p>'],
  ] as const) {
    await container.uploadBlockBlob(name, body, body.length, {
      blobHTTPHeaders: { blobContentType: 'text/html; charset=utf-8' },
    });
  }
}
const BUILD = { 'index.html': '<p>new</p>', 'docs/index.html': '<p>docs</p>', 'about.html': '<p>about</p>' };
const PURGED = ['/site/', '/site/assets/app.1.js', '/site/docs/', '/site/docs/index.html', '/site/index.html'];
const dist = () => makeTree(Object.fromEntries(Object.entries(BUILD).map(([k, v]) => [`dist/${k}`, v])));

describe('the purge after a sync (bundled entry points, fake Entra and Resource Manager)', () => {
  it('Action: storage by connection string, the purge by OIDC; polls until done; a run that changed nothing purges nothing', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const inputs = {
      source: 'dist',
      container: container.containerName,
      'destination-path': 'site',
      'delete-destination': 'true',
      'connection-string': azurite.azurite.connectionString,
      'client-id': CLIENT_ID,
      'tenant-id': TENANT_ID,
      'authority-host': entra.authorityHost,
      'purge-endpoint': FRONT_DOOR,
      'management-endpoint': arm.endpoint,
    };
    const env = { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath };
    const workspace = dist();
    const before = arm.purges.length;
    const run = await runAction(inputs, { workspace, env });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.log, /Then purging what changed on .*web-ep \(OIDC \(GitHub workload identity federation\)\)/);
    assert.deepEqual(
      arm.purges.slice(before).map((p) => [p.kind, p.endpoint, p.contentPaths]),
      [['afdEndpoints', 'web-ep', PURGED]],
    );
    const purge = arm.purges.at(-1)!;
    assert.ok(entra.issuedTokens.includes(purge.token!), 'the bearer token is an Entra access token');
    assert.ok(
      entra.requests.some((r) => r.scope === `${arm.endpoint}/.default`),
      'asked for the management scope',
    );
    assert.ok(arm.polls.length >= 3, `polled the Azure-AsyncOperation: ${arm.polls.length}`);
    assert.match(run.log, /^Purging 5 paths on Front Door endpoint web-ep \(waiting up to 20 min 0 s\)$/m);
    assert.match(run.log, /^Purged 5 paths on Front Door endpoint web-ep in /m);
    assert.match(run.summary, /Purged 5 paths on \/subscriptions\/.*web-ep in /);
    assert.equal((await blobState(container, 'site/')).has('site/docs/index.html'), true);
    const tokens = [...runner.issued, ...entra.issuedTokens];
    for (const token of entra.issuedTokens) assert.ok(run.masked.includes(token), 'access token masked');
    assert.deepEqual(findLeaks(run, tokens), []);

    const again = await runAction(inputs, { workspace, env });
    assert.equal(again.code, 0, again.stdout);
    assert.match(again.log, /Nothing changed, so nothing is purged\./);
    assert.equal(arm.purges.length, before + 1, 'no second purge');
  });

  it('Action: a SAS and no client-id refuses before anything is sent (exit 2), saying what to add', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const before = await blobState(container);
    const purges = arm.purges.length;
    const run = await runAction(
      {
        source: 'dist',
        container: container.containerName,
        'destination-path': 'site',
        'connection-string': azurite.azurite.connectionString,
        'purge-endpoint': FRONT_DOOR,
      },
      { workspace: dist() },
    );
    assert.equal(run.code, 2, run.stdout);
    assert.match(
      run.errors[0]!,
      /^purge-endpoint needs an Entra ID sign-in for Azure Resource Manager, but this step signs in with connection-string, which only reaches storage\.\nAdd client-id and tenant-id/,
    );
    assert.deepEqual(await blobState(container), before);
    assert.equal(arm.purges.length, purges);
  });

  it('task: a connection string for storage, the service connection for the purge; a 403 fails with exit 6 after the sync, naming the role', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const connection = '5a8e9c1f-5c55-4a4e-9a36-2f8f0c7d1e42';
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        azureSubscription: connection,
        containerName: container.containerName,
        sourcePath: 'dist',
        destinationPath: 'site',
        purgeEndpoint: CDN,
      },
      {
        workingDirectory: dist(),
        endpoints: [
          {
            id: connection,
            url: `${refusingArm.endpoint}/`,
            scheme: 'ServicePrincipal',
            parameters: {
              tenantid: TENANT_ID,
              serviceprincipalid: CLIENT_ID,
              serviceprincipalkey: SP_SECRET,
              authenticationType: 'spnKey',
            },
            data: { activeDirectoryAuthority: entra.authorityHost },
          },
        ],
        env: { NODE_EXTRA_CA_CERTS: cert.certPath },
      },
    );
    assert.equal(run.code, 6, run.stdout + run.stderr);
    assert.equal(run.result?.result, 'Failed');
    assert.match(
      run.result?.message ?? '',
      /Azure Resource Manager refused the purge of .*web-classic \(403 AuthorizationFailed: .*\)\. The sync itself completed\./,
    );
    assert.match(
      run.result?.message ?? '',
      /needs CDN Endpoint Contributor on the endpoint web-classic \(or CDN Profile Contributor on the profile web-cdn\)/,
    );
    assert.equal(run.outputs.uploaded, '2', 'the sync completed and published its outputs');
    assert.equal(refusingArm.purges.at(-1)?.kind, 'endpoints');
    assert.equal((await blobState(container)).get('site/docs/index.html')?.size, '<p>docs</p>'.length);
    assert.deepEqual(findTaskLeaks(run, [SP_SECRET, ...entra.issuedTokens]), []);
  });

  it('CLI: no Entra sign-in refuses (exit 2) before sending anything; with one, --json reports the purge; a dry run sends none', async () => {
    const container = await azurite.newContainer();
    await deployed(container);
    const before = await blobState(container);
    const args = [
      makeTree(BUILD),
      '--container',
      container.containerName,
      '--destination-path',
      'site',
      '--purge-endpoint',
      CDN,
      '--management-endpoint',
      arm.endpoint,
    ];
    const storage = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    const purges = arm.purges.length;
    const none = await runCli(args, { env: storage });
    assert.equal(none.code, 2, none.stderr);
    assert.match(
      none.stderr,
      /--purge-endpoint needs an Entra ID sign-in for Azure Resource Manager, and none is set up here/,
    );
    assert.deepEqual(await blobState(container), before);

    const signedIn = {
      ...storage,
      AZURE_CLIENT_ID: CLIENT_ID,
      AZURE_TENANT_ID: TENANT_ID,
      AZURE_CLIENT_SECRET: SP_SECRET,
      AZURE_AUTHORITY_HOST: entra.authorityHost,
      NODE_EXTRA_CA_CERTS: cert.certPath,
    };
    const dry = await runCli([...args, '--dry-run', '--json'], { env: signedIn });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(JSON.parse(dry.stdout).purge.status, 'would purge');
    assert.match(dry.stderr, /^would purge {3}\/site\/docs\/$/m);
    assert.equal(arm.purges.length, purges, 'a dry run purges nothing');

    const real = await runCli([...args, '--json'], { env: signedIn });
    assert.equal(real.code, 0, real.stderr);
    const summary = JSON.parse(real.stdout);
    assert.deepEqual(
      [summary.purge.status, summary.purge.paths],
      ['purged', ['/site/', '/site/docs/', '/site/docs/index.html', '/site/index.html']],
    );
    assert.deepEqual(
      arm.purges.slice(purges).map((p) => [p.kind, p.profile]),
      [['endpoints', 'web-cdn']],
    );
  });
});

describe("docs/live-site.md's examples, run as written (sign-in and endpoints swapped for the fakes)", () => {
  const documents = codeBlocks(docText('docs/live-site.md'), 'yaml').map((yaml) => parse(yaml));
  const SITE = { 'dist/index.html': '<p>home</p>', 'dist/assets/app.3f2a.js': 'x', 'dist/docs/index.html': '<p>d</p>' };

  it('the workflow: deploys, keeps the replaced asset for the 7d grace, purges what changed', async () => {
    const step = documents
      .flatMap((w) => Object.values<{ steps?: { uses?: string; with?: Record<string, unknown> }[] }>(w?.jobs ?? {}))
      .flatMap((job) => job.steps ?? [])
      .find((s) => s.with?.['purge-endpoint']);
    assert.ok(step?.with, 'the page has a workflow with a purge');
    const { 'storage-account': account, ...rest } = step.with;
    assert.ok(account && rest['client-id'] && rest['delete-grace'] === '7d');
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('assets/app.old.js', 'old', 3);
    const inputs = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)]));
    const purges = arm.purges.length;
    const run = await runAction(
      {
        ...inputs,
        container: container.containerName,
        'connection-string': azurite.azurite.connectionString,
        'client-id': CLIENT_ID,
        'tenant-id': TENANT_ID,
        'authority-host': entra.authorityHost,
        'purge-endpoint': FRONT_DOOR,
        'management-endpoint': arm.endpoint,
      },
      { workspace: makeTree(SITE), env: { ...runner.env, NODE_EXTRA_CA_CERTS: cert.certPath, RUNNER_TEMP: tempDir() } },
    );
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.summary, /Kept 1 blob absent from the source for the 7d delete grace/);
    assert.ok((await blobState(container)).has('assets/app.old.js'), 'kept for the grace');
    assert.deepEqual(
      arm.purges.slice(purges).map((p) => p.contentPaths),
      [['/', '/assets/app.3f2a.js', '/docs/', '/docs/index.html', '/index.html']],
    );
    assert.match(readFileSync(run.outputs['changed-paths-file']!, 'utf8'), /^assets\/app\.3f2a\.js\n/);
  });

  it('the pipeline: the same with the service connection', async () => {
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    const pipeline = documents.find((d) =>
      (d?.steps ?? []).some((s: { inputs?: Record<string, unknown> }) => s.inputs?.purgeEndpoint),
    );
    const step = pipeline.steps.find((s: { task?: string }) => s.task === `${task.name}@${task.version.Major}`);
    const { storageAccount, azureSubscription, purgeEndpoint, ...rest } = step.inputs as Record<string, unknown>;
    assert.ok(storageAccount && azureSubscription && purgeEndpoint === '$(frontDoorEndpointId)');
    assert.match(pipeline.variables.frontDoorEndpointId, /\/afdEndpoints\//);
    const container = await azurite.newContainer();
    const connection = '7c1e9c1f-5c55-4a4e-9a36-2f8f0c7d1e42';
    const purges = arm.purges.length;
    const run = await runTask(
      {
        ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])),
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        azureSubscription: connection,
        containerName: container.containerName,
        purgeEndpoint: FRONT_DOOR,
      },
      {
        workingDirectory: makeTree(SITE),
        endpoints: [
          {
            id: connection,
            url: `${arm.endpoint}/`,
            scheme: 'ServicePrincipal',
            parameters: { tenantid: TENANT_ID, serviceprincipalid: CLIENT_ID, serviceprincipalkey: SP_SECRET },
            data: { activeDirectoryAuthority: entra.authorityHost },
          },
        ],
        env: { NODE_EXTRA_CA_CERTS: cert.certPath },
      },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout + run.stderr);
    assert.equal(arm.purges.length, purges + 1);
    assert.equal(arm.purges.at(-1)?.endpoint, 'web-ep');
  });
});
