import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runTask } from '../support/azure-devops-task.js';
import { runCli } from '../support/cli.js';
import { jsonSummary } from '../support/convergence.js';
import { blobState, makeTree } from '../support/files.js';
import { runAction } from '../support/github-action.js';

const azurite = useAzurite();
const FOLDER = 'my site/v 1';

/** What every entry point must publish: percent-encoded as the SDK encodes blob URLs, and so a URL that parses as itself. */
function assertValidUrl(value: string | undefined): void {
  assert.equal(value, `${azurite.azurite.serviceUrl}/%24web/my%20site/v%201`);
  assert.equal(new URL(value).href, value, 'a valid URL, already in its normal form');
}

describe('the destination URL every entry point publishes is a valid URL', () => {
  before(async () => {
    await azurite.service.getContainerClient('$web').createIfNotExists();
  });

  it("CLI: the JSON summary's destination and the log line", async () => {
    const run = await runCli(['.', '--container', '$web', '--destination-path', FOLDER, '--json'], {
      cwd: makeTree({ 'a.txt': 'a' }),
      env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
    });
    assert.equal(run.code, 0, run.stderr);
    const { destination } = jsonSummary(run);
    assertValidUrl(destination);
    assert.match(
      run.stderr,
      new RegExp(`-> ${destination.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')} \\(connection string\\)`),
    );
  });

  it('Action: the destination-url output and the job summary', async () => {
    const run = await runAction(
      {
        source: '.',
        container: '$web',
        'destination-path': FOLDER,
        'connection-string': azurite.azurite.connectionString,
      },
      { workspace: makeTree({ 'b.txt': 'b' }) },
    );
    assert.equal(run.code, 0, run.stdout);
    assertValidUrl(run.outputs['destination-url']);
    assert.ok(run.summary.includes(run.outputs['destination-url']!), run.summary);
  });

  it('task: the destinationUrl output variable', async () => {
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        sourcePath: '.',
        containerName: '$web',
        destinationPath: FOLDER,
      },
      { workingDirectory: makeTree({ 'c.txt': 'c' }) },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout);
    assertValidUrl(run.outputs.destinationUrl);
    // The blobs are where the URL says.
    const names = [...(await blobState(azurite.service.getContainerClient('$web'), 'my site/')).keys()];
    assert.ok(names.includes('my site/v 1/c.txt'), names.join(', '));
  });
});
