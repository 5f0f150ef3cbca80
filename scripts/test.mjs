// Runs every test file under test/ (or the files/folders given) with Node's test runner, TypeScript through tsx.
// Node 20's runner does not expand globs itself. The load test runs last and alone: it keeps both cores busy for
// minutes, which would stretch the timing-sensitive fault tests running beside it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function collect(target) {
  if (statSync(target).isFile()) return [target];
  return readdirSync(target, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

function run(files, concurrency) {
  if (files.length === 0) return 0;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
    { stdio: 'inherit' },
  );
  return result.status ?? 1;
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap(collect).sort();
const isLoad = (file) => file.split(path.sep).includes('load');
const suite = run(
  files.filter((file) => !isLoad(file)),
  2,
);
const load = run(files.filter(isLoad), 1);
process.exit(suite || load);
