// Bundles each entry point with ncc into dist/<name>/index.js. The bundles are committed (the runner and the agent
// run them without installing anything); CI rebuilds and fails when the committed ones differ. Each build is
// recorded with the hash of its inputs (scripts/bundle-inputs.mjs), so `npm test` knows dist/ is fresh.
// Usage: node scripts/build.mjs [name...]
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENTRIES, inputsHash, recordBuild } from './bundle-inputs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const only = process.argv.slice(2);
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
// Taken before ncc reads anything: a file edited during the build leaves the record behind, never ahead.
const inputs = inputsHash(root);

for (const [name, entry] of Object.entries(ENTRIES)) {
  if (only.length && !only.includes(name)) continue;
  try {
    readFileSync(entry);
  } catch {
    continue; // entry point not written yet
  }
  const out = `dist/${name}`;
  recordBuild(root, name, undefined); // a build that fails midway leaves no record that it is fresh
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    'npx',
    [
      'ncc',
      'build',
      entry,
      '-o',
      out,
      '--minify',
      '--no-source-map-register',
      '--license',
      'licenses.txt',
      '--quiet',
      '--target',
      'es2022',
    ],
    {
      stdio: 'inherit',
    },
  );
  // ncc copies a dependency's package.json that it reads at run time (azure-devops-node-api reads its own, only for
  // the version in its User-Agent, which then names none) over the bundle's own, which says it is an ES module.
  writeFileSync(`${out}/package.json`, `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
  // Stamp the version where the entry declares __VERSION__.
  const file = `${out}/index.js`;
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll('__VERSION__', JSON.stringify(version)));
  recordBuild(root, name, inputs);
}
