import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import { accountsOf, ACCT2, BIG, seedStaging } from '../support/accounts.js';
import { useAzurite } from '../support/azurite.js';
import { findLeaks, runTask, type TaskRun } from '../support/azure-devops-task.js';
import { ROOT } from '../support/cli.js';
import { codeBlocks, docText } from '../support/docs.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';

const azurite = useAzurite({ moreAccounts: [ACCT2] });
const accounts = accountsOf(azurite);

const explain = (run: TaskRun) => `exit ${run.code}\n${run.stdout}\n${run.stderr}`;

describe("docs/server-side-copy.md's release promotion pipeline (Azure DevOps task, bundled)", () => {
  const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
  const steps = codeBlocks(docText('docs/server-side-copy.md'), 'yaml')
    .map((yaml) => parse(yaml))
    .filter((pipeline) => Array.isArray(pipeline?.parameters))
    .flatMap((pipeline) => pipeline.steps as { task?: string; inputs?: Record<string, string> }[])
    .filter((step) => step.task === `${task.name}@${task.version.Major}`)
    .map((step) => step.inputs!);

  it('runs both steps as written, the service connection swapped for the emulator keys and a source SAS', async () => {
    assert.equal(steps.length, 2, 'the page has the two promotion steps');
    const staging = await accounts.container(DEV_ACCOUNT.name, 'releases');
    const production = await accounts.container(ACCT2.name, 'releases');
    await seedStaging(staging, 'v1.2.0');
    await production.uploadBlockBlob('latest/app-1.1.0.tar.gz', 'old', 3);
    const workingDirectory = makeTree({ 'unused.txt': '' });
    const expand = (value: string) =>
      value
        .replace('${{ parameters.version }}', 'v1.2.0')
        .replace('https://mystagingaccount.blob.core.windows.net', accounts.serviceUrl(DEV_ACCOUNT.name))
        .replace('https://myprodaccount.blob.core.windows.net', accounts.serviceUrl(ACCT2.name));

    const runs: TaskRun[] = [];
    for (const [index, inputs] of steps.entries()) {
      const { azureSubscription, storageAccount, ...rest } = inputs;
      assert.ok(azureSubscription && storageAccount, 'the step signs in with the service connection');
      const expanded = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, expand(String(v))]));
      // What the agent makes of a filePath input that is not rooted: joined to the sources folder, '//' collapsed.
      expanded.sourcePath = `${workingDirectory}/${expanded.sourcePath!.replace('://', ':/')}`;
      const sourceSas = accounts.sas(staging, 'rl');
      const run = await runTask(
        {
          ...expanded,
          authenticationType: 'connectionString',
          connectionString: accounts.connectionString(ACCT2.name),
          ...(index === 0 ? { sourceSasToken: sourceSas } : {}),
        },
        { workingDirectory },
      );
      assert.equal(run.result?.result, 'Succeeded', explain(run));
      if (index === 0) {
        const sig = new URLSearchParams(sourceSas).get('sig')!;
        assert.ok(run.secrets.includes(sig), 'the source SAS signature is masked');
        assert.deepEqual(findLeaks(run, [sig]), []);
      }
      runs.push(run);
    }
    assert.deepEqual(
      runs.map((run) => [run.outputs.copied, run.outputs.uploaded, run.outputs.deleted]),
      [
        ['3', '0', '0'],
        ['3', '0', '1'],
      ],
    );
    assert.match(runs[1]!.result?.message ?? '', /copied 3, updated 0, skipped 0, deleted 1, failed 0/);
    const latest = await blobState(production, 'latest/');
    assert.deepEqual([...latest.keys()], ['latest/app-1.0.tar.gz', 'latest/assets/app.3f2a.js', 'latest/index.html']);
    assert.equal(latest.get('latest/app-1.0.tar.gz')?.md5, md5Base64(BIG));
    assert.equal(latest.get('latest/index.html')?.cacheControl, 'public, max-age=300');
  });
});
