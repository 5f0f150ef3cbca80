import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inShard } from '../../src/engine/plan/shard.js';
import { runTask } from '../support/azure-devops-task.js';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { blobState, makeTree, md5Base64 } from '../support/files.js';

const azurite = useAzurite();
const SHARDS = 4;

/** The names a verbose CLI run says it uploaded or deleted (`+ uploaded  name (…)`, `- deleted  name`). */
function changed(stdout: string, action: 'uploaded' | 'deleted'): string[] {
  const prefix = action === 'uploaded' ? '+ uploaded ' : '- deleted ';
  return stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) =>
      line
        .slice(prefix.length)
        .trim()
        .replace(/ \(.*\)$/, ''),
    );
}

describe('shards against Azurite (bundled CLI)', () => {
  it('four shards run at once make the exact mirror: every file sent once, each shard deleting only its extras', async () => {
    const container = await azurite.newContainer();
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`site/${i % 5}/page-${i}.html`] = `<p>${i}</p>`;
    const source = makeTree(files);
    const extras = Array.from({ length: 12 }, (_, i) => `old/chunk-${i}.js`);
    for (const name of extras) await container.getBlockBlobClient(name).upload('x', 1);
    await container.getBlockBlobClient('outside/keep.txt').upload('keep', 4);
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };

    const runs = await Promise.all(
      Array.from({ length: SHARDS }, (_, i) =>
        runCli(
          [
            source,
            '--container',
            container.containerName,
            '--shard',
            `${i + 1}/${SHARDS}`,
            '--delete-destination',
            '--force',
            '--exclude',
            'outside/**',
          ],
          { env },
        ),
      ),
    );
    const uploaded = runs.map((run) => changed(run.stdout, 'uploaded'));
    const deleted = runs.map((run) => changed(run.stdout, 'deleted'));
    runs.forEach((run, i) => assert.equal(run.code, 0, `shard ${i + 1}: ${run.stderr}`));

    const all = uploaded.flat();
    assert.equal(all.length, 60, 'every file uploaded once');
    assert.equal(new Set(all).size, 60, 'no file uploaded by two shards');
    assert.deepEqual(deleted.flat().sort(), [...extras].sort(), 'every extra deleted once');
    for (let i = 0; i < SHARDS; i++) {
      const shard = { index: i + 1, count: SHARDS };
      assert.ok(
        uploaded[i]!.every((name) => inShard(name, shard)),
        `shard ${i + 1} uploaded only its own`,
      );
      assert.ok(
        deleted[i]!.every((name) => inShard(name, shard)),
        `shard ${i + 1} deleted only its own`,
      );
      assert.ok(uploaded[i]!.length > 0, `shard ${i + 1} had work (the hash spreads names)`);
    }
    const state = await blobState(container);
    assert.deepEqual([...state.keys()].sort(), [...Object.keys(files), 'outside/keep.txt'].sort());
    for (const [name, content] of Object.entries(files)) assert.equal(state.get(name)?.md5, md5Base64(content));

    // A re-run of any shard finds its part in sync.
    const again = await runCli(
      [source, '--container', container.containerName, '--shard', `2/${SHARDS}`, '--json', '--exclude', 'outside/**'],
      { env },
    );
    const summary = JSON.parse(again.stdout);
    assert.deepEqual([summary.uploaded, summary.skipped, summary.deleted], [0, uploaded[1]!.length, 0]);
  });

  it('a shard with no files of its own still deletes its own extras (its source part is empty, the source is not)', async () => {
    const container = await azurite.newContainer();
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString };
    // One file: three of the four shards have no file of their own, which is not an empty source.
    const only = 'index.html';
    const source = makeTree({ [only]: '<p>1</p>' });
    const mine = (index: number) => inShard(only, { index, count: SHARDS });
    const empty = [1, 2, 3, 4].find((index) => !mine(index))!;
    const extra = Array.from({ length: 200 }, (_, i) => `x-${i}.txt`).find((name) =>
      inShard(name, { index: empty, count: SHARDS }),
    )!;
    await container.getBlockBlobClient(extra).upload('x', 1);
    const run = await runCli(
      [
        source,
        '--container',
        container.containerName,
        '--shard',
        `${empty}/${SHARDS}`,
        '--delete-destination',
        '--force',
        '--json',
      ],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).deleted, 1);
    assert.ok(!(await blobState(container)).has(extra));
  });

  for (const [spec, why] of [
    ['0/4', 'K starts at 1'],
    ['5/4', 'K beyond N'],
    ['2', 'no N'],
    ['a/b', 'not numbers'],
    ['1/0', 'no jobs'],
  ] as const) {
    it(`refuses the shard "${spec}" (${why}) with exit 2, sending nothing`, async () => {
      const container = await azurite.newContainer();
      const source = makeTree({ 'a.txt': 'a' });
      const run = await runCli([source, '--container', container.containerName, '--shard', spec], {
        env: { AZURE_STORAGE_CONNECTION_STRING: azurite.azurite.connectionString },
      });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /shard .* is not of the form K\/N.*--shard 2\/4/);
      assert.equal((await blobState(container)).size, 0);
    });
  }

  it("the task's shard: auto takes the job's slice of a parallel job, and refuses an unsliced job", async () => {
    const container = await azurite.newContainer();
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`f-${i}.txt`] = `${i}`;
    const source = makeTree(files);
    const inputs = {
      authenticationType: 'connectionString',
      connectionString: azurite.azurite.connectionString,
      containerName: container.containerName,
      sourcePath: source,
      shard: 'auto',
    };
    const sliced = await runTask(inputs, {
      workingDirectory: source,
      env: { SYSTEM_JOBPOSITIONINPHASE: '2', SYSTEM_TOTALJOBSINPHASE: '3' },
    });
    assert.equal(sliced.result?.result, 'Succeeded', sliced.stdout);
    const expected = Object.keys(files).filter((name) => inShard(name, { index: 2, count: 3 }));
    assert.ok(expected.length > 0 && expected.length < 30);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), expected.sort());

    const unsliced = await runTask(inputs, { workingDirectory: source });
    assert.equal(unsliced.result?.result, 'Failed');
    assert.match(unsliced.result?.message ?? '', /shard is auto, but this job is not sliced.*parallel: N/);
  });
});
