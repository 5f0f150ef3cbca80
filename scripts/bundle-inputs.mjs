// What each bundle in dist/ is built from, and whether the bundle there now was built from what is here now.
// scripts/build.mjs records, per bundle, a hash of its inputs and of what it wrote; scripts/test.mjs rebuilds the
// bundles whose record is missing or no longer matches, so no test runs a bundle older than src/. Hashes are of
// file names and contents, never mtimes (a fresh clone has arbitrary mtimes). The record is not committed: it lives
// in node_modules/.cache and goes with node_modules.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Bundle name -> entry point; each is built to dist/<name>/index.js. */
export const ENTRIES = {
  cli: 'src/platform/cli/index.ts',
  github: 'src/platform/github/index.ts',
  'azure-devops': 'src/platform/azure-devops/index.ts',
};

/** Everything ncc reads or is configured by: all of src/, the dependencies, the TypeScript options, the build. */
const INPUTS = [
  'src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'scripts/build.mjs',
  'scripts/bundle-inputs.mjs',
];

export const RECORD = 'node_modules/.cache/azure-blob-sync/bundles.json';

/** The files under `entries` (files or folders, relative to root), relative with '/', sorted; absent ones skipped. */
function files(root, entries) {
  const found = [];
  const walk = (relative) => {
    const full = path.join(root, relative);
    if (!existsSync(full)) return;
    if (!statSync(full).isDirectory()) found.push(relative);
    else for (const entry of readdirSync(full)) walk(`${relative}/${entry}`);
  };
  for (const entry of entries) walk(entry);
  return found.sort();
}

function hashFiles(root, entries) {
  const hash = createHash('sha256');
  for (const file of files(root, entries)) {
    const content = readFileSync(path.join(root, file));
    hash.update(`${file}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/** The hash of every bundle's inputs (they share them: each bundle may import any of src/). */
export function inputsHash(root) {
  return hashFiles(root, INPUTS);
}

/** The hash of what a build wrote to dist/<name>/. */
export function outputHash(root, name) {
  return hashFiles(root, [`dist/${name}`]);
}

function readRecord(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, RECORD), 'utf8'));
  } catch {
    return {};
  }
}

/** Records (or, with `undefined`, forgets) that dist/<name>/ was just built from the inputs whose hash is given. */
export function recordBuild(root, name, inputs) {
  const record = readRecord(root);
  record[name] = inputs === undefined ? undefined : { inputs, output: outputHash(root, name) };
  mkdirSync(path.dirname(path.join(root, RECORD)), { recursive: true });
  writeFileSync(path.join(root, RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * The bundles that need building before a test may run them, each with why: `missing` (no dist/<name>/index.js),
 * `unrecorded` (not built in this checkout since node_modules was installed), `changed` (an input changed since it was
 * built), `edited` (dist/<name>/ is not what the build wrote, e.g. checked out from another commit).
 */
export function staleBundles(root, names = Object.keys(ENTRIES)) {
  const record = readRecord(root);
  const inputs = inputsHash(root);
  const stale = [];
  for (const name of names) {
    const built = record[name];
    let reason;
    if (!existsSync(path.join(root, `dist/${name}/index.js`))) reason = 'missing';
    else if (!built) reason = 'unrecorded';
    else if (built.inputs !== inputs) reason = 'changed';
    else if (built.output !== outputHash(root, name)) reason = 'edited';
    if (reason) stale.push({ name, reason });
  }
  return stale;
}
