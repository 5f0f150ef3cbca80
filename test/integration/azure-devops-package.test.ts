import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import JSZip from 'jszip';
import { useAzurite } from '../support/azurite.js';
import { bundleNodeHandler, runTask } from '../support/azure-devops-task.js';
import { ROOT } from '../support/cli.js';
import { blobState, makeTree, tempDir } from '../support/files.js';

const azurite = useAzurite();
const TASK_FOLDER = 'azure-blob-sync';
const { handler } = bundleNodeHandler();

describe('Azure DevOps extension package (npm run package:vsix)', () => {
  // Created here, not in the hook: a temp folder registers its own cleanup with the enclosing suite.
  const out = tempDir('abs-vsix-test-');
  const vsixPath = path.join(out, 'extension.vsix');
  const extracted = path.join(out, 'agent-tasks');
  let zip: JSZip;

  before(async () => {
    const result = spawnSync('npm', ['run', '--silent', 'package:vsix', '--', '--output', vsixPath], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /Packaged .*extension\.vsix/);
    zip = await JSZip.loadAsync(readFileSync(vsixPath));
    // Unpack the task folder the way the agent does when it downloads the task.
    for (const [name, entry] of Object.entries(zip.files)) {
      if (entry.dir || !name.startsWith(`${TASK_FOLDER}/`)) continue;
      const target = path.join(extracted, name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, await entry.async('nodebuffer'));
    }
  });

  it('is a vsix holding the manifests, task.json and the whole bundle', async () => {
    const names = Object.keys(zip.files);
    assert.ok(names.includes('extension.vsixmanifest'), names.join(', '));
    assert.ok(names.includes(`${TASK_FOLDER}/task.json`));
    // The agent shows the task's icon.png in the task picker; the marketplace shows the extension icon.
    assert.ok(names.includes(`${TASK_FOLDER}/icon.png`));
    const icon = await zip.file(`${TASK_FOLDER}/icon.png`)?.async('nodebuffer');
    assert.ok(icon?.equals(readFileSync(path.join(ROOT, 'icon.png'))), 'icon.png is the committed one');
    assert.ok(names.includes('images/extension-icon.png'));
    const bundleFiles = readdirSync(path.join(ROOT, 'dist/azure-devops'));
    for (const file of bundleFiles) {
      const packaged = await zip.file(`${TASK_FOLDER}/dist/azure-devops/${file}`)?.async('nodebuffer');
      assert.ok(packaged, `${file} is packaged`);
      assert.ok(
        packaged.equals(readFileSync(path.join(ROOT, 'dist/azure-devops', file))),
        `${file} is the committed one`,
      );
    }
    // The task folder holds what the task needs and nothing else from the repository (no src/, no other bundle).
    assert.deepEqual(
      names.filter((name) => name.startsWith(`${TASK_FOLDER}/`) && !zip.files[name]!.dir).sort(),
      [
        ...bundleFiles.map((file) => `${TASK_FOLDER}/dist/azure-devops/${file}`),
        `${TASK_FOLDER}/icon.png`,
        `${TASK_FOLDER}/task.json`,
      ].sort(),
    );
    assert.deepEqual(
      JSON.parse((await zip.file(`${TASK_FOLDER}/dist/azure-devops/package.json`)?.async('string')) ?? '{}'),
      { type: 'module' },
    );

    const task = JSON.parse((await zip.file(`${TASK_FOLDER}/task.json`)?.async('string')) ?? '{}');
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.equal(`${task.version.Major}.${task.version.Minor}.${task.version.Patch}`, version);
    // The root task.json as committed, only its version stamped.
    const committed = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    assert.deepEqual({ ...task, version: committed.version }, committed);
    for (const name of ['Node20_1', 'Node24']) {
      assert.ok(zip.file(`${TASK_FOLDER}/${task.execution[name].target}`), `${name} target is packaged`);
    }

    const vsixManifest = (await zip.file('extension.vsixmanifest')?.async('string')) ?? '';
    assert.match(vsixManifest, /<Icon>images\/extension-icon\.png<\/Icon>/);
    assert.match(vsixManifest, new RegExp(`Version="${version.replace(/\./g, '\\.')}"`));
    assert.match(vsixManifest, /Microsoft\.VisualStudio\.Services/);
    const contributions = JSON.parse((await zip.file('extension.vsomanifest')?.async('string')) ?? '{}').contributions;
    assert.deepEqual(
      contributions.map((c: { type: string; properties: { name: string } }) => [c.type, c.properties.name]),
      [['ms.vss-distributed-task.task', TASK_FOLDER]],
    );
  });

  it("runs from the packaged task folder: the task's own error when inputs are missing", async () => {
    // Started as the agent does: the packaged task.json's handler target, resolved in the unpacked task folder.
    const run = await runTask(
      {},
      {
        workingDirectory: makeTree({ 'a.txt': 'a' }),
        agent: { handler, taskFolder: path.join(extracted, TASK_FOLDER) },
      },
    );
    assert.equal(run.stderr, '', 'no module-loading error');
    assert.equal(run.result?.result, 'Failed', run.stdout);
    assert.match(run.result?.message ?? '', /input "sourcePath" is required/);
  });

  it('syncs with the packaged bundle', async () => {
    const container = await azurite.newContainer();
    const run = await runTask(
      {
        authenticationType: 'connectionString',
        connectionString: azurite.azurite.connectionString,
        containerName: container.containerName,
        sourcePath: 'site',
      },
      {
        workingDirectory: makeTree({ 'site/index.html': '<p>hi</p>', 'site/app.js': 'x' }),
        agent: { handler, taskFolder: path.join(extracted, TASK_FOLDER) },
      },
    );
    assert.equal(run.result?.result, 'Succeeded', run.stdout + run.stderr);
    assert.deepEqual([...(await blobState(container)).keys()].sort(), ['app.js', 'index.html']);
  });

  it('refuses to package a task.json whose handler target is missing', () => {
    // The packaging script treats tfx's task.json warnings as errors; prove it with a broken copy of the repository
    // layout (same script, task.json pointing at a file that is not there).
    const copy = tempDir('abs-vsix-broken-');
    for (const file of ['package.json', 'vss-extension.json', 'README.md', 'icon.png']) {
      writeFileSync(path.join(copy, file), readFileSync(path.join(ROOT, file)));
    }
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    task.execution.Node24.target = 'dist/missing.js';
    writeFileSync(path.join(copy, 'task.json'), JSON.stringify(task));
    cpSync(path.join(ROOT, 'images'), path.join(copy, 'images'), { recursive: true });
    mkdirSync(path.join(copy, 'scripts'));
    writeFileSync(
      path.join(copy, 'scripts/package-vsix.mjs'),
      readFileSync(path.join(ROOT, 'scripts/package-vsix.mjs')),
    );
    mkdirSync(path.join(copy, 'dist/azure-devops'), { recursive: true });
    writeFileSync(path.join(copy, 'dist/azure-devops/index.js'), '');
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
    const result = spawnSync(process.execPath, ['scripts/package-vsix.mjs', '--output', path.join(copy, 'x.vsix')], {
      cwd: copy,
      encoding: 'utf8',
    });
    assert.equal(result.status, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /dist\/missing\.js/);
  });
});
