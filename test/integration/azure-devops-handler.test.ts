import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { bundleNodeHandler, runTask } from '../support/azure-devops-task.js';
import { ROOT } from '../support/cli.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';

const azurite = useAzurite();
// Node20_1 in the suite's first pass, Node24 in the pass that runs the bundles on Node 24 (see scripts/test.mjs).
const { version, handler } = bundleNodeHandler();

/** The binary a running process executes (Linux), read before it can exit. */
function executable(pid: number | undefined): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

describe('the repository root is a runnable task', () => {
  it('passes the task.json check of `tfx build tasks upload --task-path .` (handler targets exist beside it)', () => {
    const { validate } = createRequire(import.meta.url)('tfx-cli/_build/lib/jsonvalidate.js');
    assert.equal(validate(path.join(ROOT, 'task.json')).name, 'AzureBlobSync');
  });

  it(`runs task.json's ${handler} handler with node ${version}, as the agent starts it: the sync lands in Azurite`, async () => {
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    assert.equal(task.execution[handler].target, 'dist/azure-devops/index.js');
    const container = await azurite.newContainer();
    await container.uploadBlockBlob('web/index.html', '<h1>old</h1>', 12);
    await container.uploadBlockBlob('web/assets/app.js', 'console.log(1)', 14);
    await container.uploadBlockBlob('web/gone.html', 'x', 1);
    let exe: string | undefined;
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: 'site',
        destinationPath: 'web',
        deleteDestination: 'true',
      },
      {
        workingDirectory: makeTree({ 'site/index.html': '<h1>hi</h1>', 'site/assets/app.js': 'console.log(1)' }),
        agent: { handler },
        onStart: (child) => (exe = executable(child.pid)),
      },
    );
    const explain = `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
    assert.equal(run.code, 0, explain); // the agent treats any other exit code as an infrastructure failure
    assert.match(run.stdout, /^##vso\[task\.complete result=Succeeded;/m, explain);
    assert.equal(run.stderr, '', 'nothing on stderr (no warning from this node)');
    assert.equal(run.outputs.uploaded, '1', explain);
    assert.equal(run.outputs.updated, '1', explain); // app.js: same content, headers set in place
    assert.equal(run.outputs.deleted, '1', explain);
    const blobs = await blobState(container);
    assert.deepEqual([...blobs.keys()].sort(), ['web/assets/app.js', 'web/index.html']);
    assert.equal(blobs.get('web/index.html')?.md5, md5Base64('<h1>hi</h1>'));

    // The process that ran the task was the node this pass names (Node 24 in the Node 24 pass), not the test runner's.
    if (process.platform === 'linux') {
      assert.ok(exe, 'read /proc/<pid>/exe of the task process');
      assert.equal(execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim(), version);
    }
  });
});
