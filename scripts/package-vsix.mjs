// Packages the Azure DevOps extension (.vsix) with tfx-cli. The repository root is the task as the agent runs it
// (task.json, icon.png, and the handlers' target dist/azure-devops/index.js with its package.json, which makes node
// load it as ESM); the extension's task folder `azure-blob-sync` holds exactly those, with task.json stamped with
// the package version, and none of the repository's other files.
// Versions come from package.json. Usage: node scripts/package-vsix.mjs [--output <file.vsix>] [--publisher <id>]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { output: { type: 'string' }, publisher: { type: 'string' } } });
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(path.join(root, 'vss-extension.json'), 'utf8'));
const publisher = args.publisher ?? manifest.publisher;
const output = path.resolve(args.output ?? path.join(root, `${publisher}.${manifest.id}-${version}.vsix`));

const bundle = path.join(root, 'dist/azure-devops');
if (!existsSync(path.join(bundle, 'index.js'))) {
  console.error('dist/azure-devops/index.js is missing: run `npm run build` first.');
  process.exit(1);
}

const stage = mkdtempSync(path.join(os.tmpdir(), 'abs-vsix-'));
try {
  // The folder name is the contribution's `name` in vss-extension.json (and the folder the agent unpacks).
  const taskDir = path.join(stage, 'azure-blob-sync');
  mkdirSync(taskDir);
  const [major, minor, patch] = version.split(/[.-]/).map(Number);
  const task = JSON.parse(readFileSync(path.join(root, 'task.json'), 'utf8'));
  task.version = { Major: major, Minor: minor, Patch: patch };
  writeFileSync(path.join(taskDir, 'task.json'), `${JSON.stringify(task, null, 2)}\n`);
  cpSync(path.join(root, 'icon.png'), path.join(taskDir, 'icon.png'));
  // Same relative path as in the repository, so the handlers' target resolves in both.
  cpSync(bundle, path.join(taskDir, 'dist/azure-devops'), { recursive: true });
  cpSync(path.join(root, 'images'), path.join(stage, 'images'), { recursive: true });
  writeFileSync(path.join(stage, 'vss-extension.json'), JSON.stringify({ ...manifest, version, publisher }, null, 2));
  cpSync(path.join(root, 'README.md'), path.join(stage, 'overview.md'));
  mkdirSync(path.dirname(output), { recursive: true });
  rmSync(output, { force: true });

  const tfx = path.join(root, 'node_modules/tfx-cli/_build/tfx-cli.js');
  const tfxRun = spawnSync(
    process.execPath,
    [tfx, 'extension', 'create', '--root', stage, '--output-path', output, '--no-prompt', '--no-color', '--json'],
    { encoding: 'utf8', cwd: stage },
  );
  // tfx only warns about an invalid task.json ("will be treated as an error in the future"); treat it as one now.
  if (tfxRun.status !== 0 || /^(warning|error):/im.test(`${tfxRun.stdout}\n${tfxRun.stderr}`)) {
    console.error(`tfx extension create failed:\n${tfxRun.stderr}${tfxRun.stdout}`);
    rmSync(output, { force: true });
    process.exitCode = 1;
  } else {
    console.log(`Packaged ${path.relative(process.cwd(), output) || output} (task ${task.name} ${version})`);
  }
} finally {
  rmSync(stage, { recursive: true, force: true });
}
