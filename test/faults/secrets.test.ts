import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { runTask, SYSTEM_ACCESS_TOKEN, type TaskEndpoint } from '../support/azure-devops-task.js';
import { type AzuriteFixture, useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { startFakeAdoOidc, type FakeAdoOidc } from '../support/fake-ado-oidc.js';
import { startFakeEntra, type FakeEntra } from '../support/fake-entra.js';
import { startFakeGithubOidc, type FakeGithubOidc } from '../support/fake-github-oidc.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { makeTree, tempDir } from '../support/files.js';
import { runAction } from '../support/github-action.js';
import { createTestCertificate } from '../support/tls.js';

// Every way to sign in, on every entry point, each run once to a partial failure or a success and once refused:
// no secret value, bearer token or SAS signature may reach anything a user, a runner or an agent keeps. The SDK's
// own logging is on (AZURE_LOG_LEVEL) and so is each platform's debug output, as a user chasing a problem would set.

const recognisable = (text: string) => Buffer.from(text).toString('base64');
const ACCOUNT = { name: 'secretsacct', key: recognisable('account-key:never-print-me:0123456789abcdef') };
const WRONG_KEY = recognisable('wrong-account-key:never-print-me-either:fedcba9876543210');
const CLIENT_ID = '6f1e2d3c-0000-4000-8000-00000000c1e7';
const TENANT_ID = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_SECRET = 'client~secret.NeverPrint_8Q~0123456789abcdef';
const WRONG_CLIENT_SECRET = 'client~secret.WrongOne_8Q~fedcba9876543210';
const CONNECTION = '3c9d2b7a-1e4f-4a6b-8c5d-9e0f1a2b3c4d';

const cert = createTestCertificate(tempDir('abs-secrets-tls-'));
let plain: AzuriteFixture;
let oauth: AzuriteFixture;
let proxy: FaultProxy;
let entra: FakeEntra;
let githubOidc: FakeGithubOidc;
let adoOidc: FakeAdoOidc;
const SOURCE = { 'site/index.html': '<p>hi</p>', 'site/app.js': 'x()', 'site/broken/file.txt': 'refused' };
const DEBUG_ENV = { AZURE_LOG_LEVEL: 'info', AZURE_BLOB_SYNC_DEBUG: '1', RUNNER_DEBUG: '1', SYSTEM_DEBUG: 'true' };
let containers = 0;
const newContainer = () => `secrets-${++containers}`;

const EXPIRY = new Date(Date.now() + 3600_000);
/** The same SAS each time for a container and key, so the test knows the signature it must not find. */
function sas(container: string, key = ACCOUNT.key): string {
  return generateBlobSASQueryParameters(
    { containerName: container, permissions: ContainerSASPermissions.parse('racwdl'), expiresOn: EXPIRY },
    new StorageSharedKeyCredential(ACCOUNT.name, key),
  ).toString();
}

const connectionString = (serviceUrl: string, key = ACCOUNT.key) =>
  `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT.name};AccountKey=${key};BlobEndpoint=${serviceUrl};`;

/** The secret values of a SAS: the whole query and its signature, raw and URL-encoded. */
function sasSecrets(query: string): string[] {
  const signature = new URLSearchParams(query).get('sig') ?? '';
  return [query, signature, encodeURIComponent(signature)];
}

/** Every secret a run could have seen: keys, SAS signatures, client secrets, ID tokens and access tokens. */
function allSecrets(extra: string[] = []): string[] {
  return [
    ACCOUNT.key,
    WRONG_KEY,
    CLIENT_SECRET,
    WRONG_CLIENT_SECRET,
    SYSTEM_ACCESS_TOKEN,
    githubOidc.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    ...githubOidc.issued,
    ...adoOidc.issued,
    ...entra.issuedTokens,
    ...extra,
  ];
}

/** Shapes that give a secret away even when its value is not known to the test. */
const SECRET_SHAPES = [
  /[?&]sig=(?!\*\*\*|REDACTED)[^&\s"'<]{6,}/i,
  /\bBearer\s+(?!\*\*\*|REDACTED)[\w.-]{10,}/i,
  /AccountKey=(?!\*\*\*|REDACTED)[^;\s"']{6,}/i,
  /\bey[\w-]{10,}\.ey[\w-]{10,}\.[\w-]+/, // a JWT
];

function assertNoLeaks(label: string, places: Record<string, string>, secrets: readonly string[]): void {
  const leaks: string[] = [];
  for (const [place, text] of Object.entries(places)) {
    for (const secret of secrets) if (secret && text.includes(secret)) leaks.push(`${place}: ${secret.slice(0, 8)}…`);
    for (const shape of SECRET_SHAPES) {
      const match = shape.exec(text);
      if (match) leaks.push(`${place}: ${match[0].slice(0, 16)}…`);
    }
  }
  assert.deepEqual(leaks, [], `${label} leaked`);
}

/** The run's own lines, without the SDK's multi-line request logs: what to show when a run ends unexpectedly. */
function withoutSdkLog(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^(azure:|##vso\[task\.debug\]|::debug::|\s|[{}\]])/.test(line))
    .join('\n');
}

interface Outcome {
  code: number | null;
  places: Record<string, string>;
  /** What the user reads about the failure: checked so a quiet run cannot pass for a safe one. */
  message: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const source = makeTree(SOURCE);
  const run = await runCli([`${source}/site`, ...args, '--verbose'], { env: { ...DEBUG_ENV, ...env } });
  return { code: run.code, places: { stdout: run.stdout, stderr: run.stderr }, message: run.stdout + run.stderr };
}

async function action(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const run = await runAction(
    { source: 'site', ...inputs },
    { workspace: makeTree(SOURCE), env: { ...DEBUG_ENV, NODE_EXTRA_CA_CERTS: cert.certPath, ...env } },
  );
  return {
    code: run.code,
    places: { log: run.log, stderr: run.stderr, summary: run.summary, outputs: JSON.stringify(run.outputs) },
    message: run.errors.join('\n') + run.log,
  };
}

async function task(
  inputs: Record<string, string>,
  options: { endpoint?: TaskEndpoint; systemAccessToken?: string } = {},
): Promise<Outcome> {
  const run = await runTask(
    { sourcePath: 'site', ...inputs },
    {
      workingDirectory: makeTree(SOURCE),
      endpoints: options.endpoint ? [options.endpoint] : [],
      systemAccessToken: options.systemAccessToken,
      env: { ...DEBUG_ENV, NODE_EXTRA_CA_CERTS: cert.certPath, SYSTEM_OIDCREQUESTURI: adoOidc.requestUri },
    },
  );
  return {
    code: run.code,
    places: {
      log: run.log,
      stderr: run.stderr,
      summaries: run.summaries.map((s) => s.text).join('\n'),
      outputs: JSON.stringify(run.outputs),
    },
    message: `${run.result?.message ?? ''}\n${run.log}`,
  };
}

function armConnection(scheme: string, parameters: Record<string, string>): TaskEndpoint {
  return {
    id: CONNECTION,
    url: 'https://management.azure.com/',
    scheme,
    parameters: { serviceprincipalid: CLIENT_ID, tenantid: TENANT_ID, ...parameters },
    data: { environment: 'AzureCloud', activeDirectoryAuthority: entra.authorityHost },
  };
}

interface Case {
  method: string;
  /** A run that reaches the service: exit 0, or 1 when the proxy fails a file with an SDK error. */
  works(container: string): Promise<Outcome>;
  workCode: number;
  /** The same method with a wrong secret: refused, exit 3. */
  refused(container: string): Promise<Outcome>;
  /** The SAS travels in the URL, which the failed file's error quotes: it must show redacted. */
  sasInUrl?: boolean;
  /** Secrets only this case knows (SAS values are made per container). */
  secrets?: (container: string) => string[];
}

const viaProxy = () => proxy.serviceUrl;
const FAILED_FILE = /broken\/file\.txt.*400 InvalidHeaderValue/;

const CASES: Record<string, Case[]> = {
  'command line': [
    {
      method: 'connection string',
      workCode: 1,
      works: (c) =>
        cli(['--container', c], {
          AZURE_STORAGE_CONNECTION_STRING: connectionString(viaProxy()),
        }),
      refused: (c) => cli(['--container', c, '--connection-string', connectionString(viaProxy(), WRONG_KEY)]),
    },
    {
      method: 'SAS URL',
      workCode: 1,
      works: (c) => cli([`${viaProxy()}/${c}?${sas(c)}`]),
      refused: (c) => cli([`${viaProxy()}/${c}?${sas(c, WRONG_KEY)}`]),
      secrets: (c) => [...sasSecrets(sas(c)), ...sasSecrets(sas(c, WRONG_KEY))],
      sasInUrl: true,
    },
    {
      method: 'account key',
      workCode: 1,
      works: (c) => cli([`${viaProxy()}/${c}`], { AZURE_STORAGE_KEY: ACCOUNT.key }),
      refused: (c) => cli([`${viaProxy()}/${c}`, '--account-key', WRONG_KEY]),
    },
    {
      method: 'Entra ID client secret (environment)',
      workCode: 0,
      works: (c) => cli([`${oauth.azurite.serviceUrl}/${c}`, '--create-container'], entraEnv(CLIENT_SECRET)),
      refused: (c) => cli([`${oauth.azurite.serviceUrl}/${c}`], entraEnv(WRONG_CLIENT_SECRET)),
    },
  ],
  'GitHub Action': [
    {
      method: 'connection string',
      workCode: 1,
      works: (c) => action({ container: c, 'connection-string': connectionString(viaProxy()) }),
      refused: (c) => action({ container: c, 'connection-string': connectionString(viaProxy(), WRONG_KEY) }),
    },
    {
      method: 'SAS token',
      workCode: 1,
      works: (c) => action({ container: c, 'blob-endpoint': viaProxy(), 'sas-token': sas(c) }),
      refused: (c) => action({ container: c, 'blob-endpoint': viaProxy(), 'sas-token': `?${sas(c, WRONG_KEY)}` }),
      secrets: (c) => [...sasSecrets(sas(c)), ...sasSecrets(sas(c, WRONG_KEY))],
      sasInUrl: true,
    },
    {
      method: 'account key',
      workCode: 1,
      works: (c) =>
        action({
          container: c,
          'blob-endpoint': viaProxy(),
          'storage-account': ACCOUNT.name,
          'account-key': ACCOUNT.key,
        }),
      refused: (c) =>
        action({
          container: c,
          'blob-endpoint': viaProxy(),
          'storage-account': ACCOUNT.name,
          'account-key': WRONG_KEY,
        }),
    },
    {
      method: 'OIDC',
      workCode: 0,
      works: (c) => action(oidcInputs(c), githubOidc.env),
      // A runner request token that the runner does not accept: the ID-token request is refused.
      refused: (c) =>
        action(oidcInputs(c), { ...githubOidc.env, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'stale-runner-token-never-print' }),
      secrets: () => ['stale-runner-token-never-print'],
    },
  ],
  'Azure DevOps task': [
    {
      method: 'SAS token',
      workCode: 1,
      works: (c) =>
        task({ authenticationType: 'sasToken', containerName: c, blobEndpoint: viaProxy(), sasToken: sas(c) }),
      refused: (c) =>
        task({
          authenticationType: 'sasToken',
          containerName: c,
          blobEndpoint: viaProxy(),
          sasToken: sas(c, WRONG_KEY),
        }),
      secrets: (c) => [...sasSecrets(sas(c)), ...sasSecrets(sas(c, WRONG_KEY))],
      sasInUrl: true,
    },
    {
      method: 'connection string',
      workCode: 1,
      works: (c) =>
        task({
          authenticationType: 'connectionString',
          containerName: c,
          connectionString: connectionString(viaProxy()),
        }),
      refused: (c) =>
        task({
          authenticationType: 'connectionString',
          containerName: c,
          connectionString: connectionString(viaProxy(), WRONG_KEY),
        }),
    },
    {
      method: 'workload identity federation',
      workCode: 0,
      works: (c) => task(armInputs(c), { endpoint: armConnection('WorkloadIdentityFederation', {}) }),
      refused: (c) =>
        task(armInputs(c), {
          endpoint: armConnection('WorkloadIdentityFederation', {}),
          systemAccessToken: 'stale-job-token-never-print',
        }),
      secrets: () => ['stale-job-token-never-print'],
    },
    {
      method: 'service principal secret',
      workCode: 0,
      works: (c) =>
        task(armInputs(c), {
          endpoint: armConnection('ServicePrincipal', {
            authenticationType: 'spnKey',
            serviceprincipalkey: CLIENT_SECRET,
          }),
        }),
      refused: (c) =>
        task(armInputs(c), {
          endpoint: armConnection('ServicePrincipal', {
            authenticationType: 'spnKey',
            serviceprincipalkey: WRONG_CLIENT_SECRET,
          }),
        }),
    },
  ],
};

function entraEnv(secret: string): NodeJS.ProcessEnv {
  return {
    AZURE_CLIENT_ID: CLIENT_ID,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_SECRET: secret,
    AZURE_AUTHORITY_HOST: entra.authorityHost,
    NODE_EXTRA_CA_CERTS: cert.certPath,
  };
}

function oidcInputs(container: string): Record<string, string> {
  return {
    container,
    'create-container': 'true',
    'blob-endpoint': oauth.azurite.serviceUrl,
    'client-id': CLIENT_ID,
    'tenant-id': TENANT_ID,
    'authority-host': entra.authorityHost,
  };
}

function armInputs(container: string): Record<string, string> {
  return {
    azureSubscription: CONNECTION,
    containerName: container,
    createContainer: 'true',
    blobEndpoint: oauth.azurite.serviceUrl,
  };
}

describe('no secret reaches the output', () => {
  /** Shared Key and SAS go through the fault proxy, which fails one file with an SDK error. */
  plain = useAzurite({ account: ACCOUNT });
  /** Bearer tokens need HTTPS. */
  oauth = useAzurite({ account: ACCOUNT, tls: { cert: cert.certPath, key: cert.keyPath }, oauth: true });

  before(async () => {
    proxy = await startFaultProxy(plain.azurite.serviceUrl);
    // A 400 is not retried: the run reports the file failed with the service's error, quickly. Its message quotes
    // the request URL, SAS and all, as gateway error pages do: the SDK puts it into the error the tool reports.
    proxy.setRules([
      {
        method: 'PUT',
        blob: /broken/,
        fault: { kind: 'status', status: 400, code: 'InvalidHeaderValue', quoteRequest: true },
      },
    ]);
    entra = await startFakeEntra({
      ...cert,
      clientSecrets: { [CLIENT_ID]: CLIENT_SECRET },
      // A lifetime under MSAL's margin: every storage request refreshes, so many tokens are issued and checked.
      tokenLifetimeSeconds: 120,
      reportedLifetimeSeconds: 0,
    });
    githubOidc = await startFakeGithubOidc();
    adoOidc = await startFakeAdoOidc({ ...cert, systemAccessToken: SYSTEM_ACCESS_TOKEN });
  });
  after(async () => {
    await proxy?.stop();
    await entra?.stop();
    await githubOidc?.stop();
    await adoOidc?.stop();
  });

  for (const [entry, cases] of Object.entries(CASES)) {
    describe(entry, () => {
      for (const testCase of cases) {
        it(`${testCase.method}: a run that reaches the service, and a refused one`, async () => {
          const container = newContainer();
          // Runs through the proxy sign with a key or a container SAS, which cannot create containers.
          if (testCase.workCode === 1) await plain.service.getContainerClient(container).create();
          const works = await testCase.works(container);
          assert.equal(works.code, testCase.workCode, withoutSdkLog(works.message));
          if (testCase.workCode === 1) assert.match(works.message, FAILED_FILE, 'the SDK error was reported');
          if (testCase.sasInUrl) {
            // The echoed URL is quoted only in part (see service-error.ts), and any signature in it redacted.
            assert.match(works.message, /Injected fault for PUT http:\S+/);
            assert.doesNotMatch(works.message, /sig=(?!REDACTED)/);
          }

          const refused = await testCase.refused(container);
          assert.equal(refused.code, 3, withoutSdkLog(refused.message));

          const secrets = allSecrets(testCase.secrets?.(container));
          assertNoLeaks(`${entry}, ${testCase.method}`, works.places, secrets);
          assertNoLeaks(`${entry}, ${testCase.method} (refused)`, refused.places, secrets);
        });
      }
    });
  }
});
