import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../support/cli.js';
import { makeTree, writeFile } from '../support/files.js';

// Stands in for `npx ncc build <entry> -o <out> …`, the one step of scripts/build.mjs that takes a minute: it writes
// <out>/index.js and says so. Everything else (build.mjs, bundle-inputs.mjs, test.mjs) is the repository's own.
const FAKE_NPX = `#!/bin/sh
[ -n "$FAIL_NCC" ] && { echo "ncc: failed" >&2; exit 2; }
entry="$3"
while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done
mkdir -p "$out" && echo "// bundle of $entry" > "$out/index.js" && echo "ncc built $out"
`;

/** A repository-shaped folder with the real build and test scripts, a test that runs a bundle and one that does not. */
function checkout(): { root: string; npm(args: string[], env?: NodeJS.ProcessEnv): string } {
  const root = makeTree({
    'src/platform/cli/index.ts': 'console.log("cli");\n',
    'src/platform/github/index.ts': 'console.log("action");\n',
    'src/platform/azure-devops/index.ts': 'console.log("task");\n',
    'src/engine/plan.ts': 'export const plan = 1;\n',
    'package.json': '{"version":"1.0.0","type":"module"}\n',
    'package-lock.json': '{}\n',
    'tsconfig.json': '{}\n',
    // As committed: a fresh clone has dist/, but no record of what built it.
    'dist/cli/index.js': '// committed\n',
    'dist/github/index.js': '// committed\n',
    'dist/azure-devops/index.js': '// committed\n',
    'bin/npx': FAKE_NPX,
    'test/support/cli.ts': "export const CLI_BUNDLE = 'dist/cli/index.js';\n",
    'test/integration/bundle.test.ts':
      "import { it } from 'node:test';\nimport { CLI_BUNDLE } from '../support/cli.js';\nit(`runs ${CLI_BUNDLE}`, () => {});\n",
    'test/unit/pure.test.ts': "import { it } from 'node:test';\nit('runs no bundle', () => {});\n",
  });
  chmodSync(path.join(root, 'bin/npx'), 0o755);
  for (const script of ['build.mjs', 'bundle-inputs.mjs', 'test.mjs']) {
    mkdirSync(path.join(root, 'scripts'), { recursive: true });
    copyFileSync(path.join(ROOT, 'scripts', script), path.join(root, 'scripts', script));
  }
  // Its own node_modules (the build record lives in node_modules/.cache), with the repository's tsx.
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(path.join(ROOT, 'node_modules/tsx'), path.join(root, 'node_modules/tsx'), 'dir');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${path.join(root, 'bin')}${path.delimiter}${process.env.PATH}`,
  };
  delete env.NODE_TEST_CONTEXT; // the inner test runner reports on its own, not to this one
  return {
    root,
    /** `npm test …` / `npm run build` there: the script's output, asserting its exit code. */
    npm(args, extra = {}) {
      const result = spawnSync(process.execPath, args, { cwd: root, env: { ...env, ...extra }, encoding: 'utf8' });
      const output = `${result.stdout}${result.stderr}`;
      assert.equal(result.status, extra.FAIL_NCC ? 1 : 0, output);
      return output;
    },
  };
}

const NCC = /ncc built/g;

describe('npm test never runs a stale bundle (scripts/test.mjs with the real build.mjs, ncc stubbed)', () => {
  it('builds once after npm ci, then only when an input or dist/ changed, and never for tests without bundles', () => {
    const { root, npm } = checkout();
    const bundleTest = ['scripts/test.mjs', 'test/integration/bundle.test.ts'];

    let out = npm(bundleTest);
    assert.match(out, /dist\/ has no record of what it was built from .*: rebuilding cli, github, azure-devops\n/);
    assert.equal(out.match(NCC)?.length, 3, out);
    assert.match(out, /# pass 1/);

    out = npm(bundleTest);
    assert.doesNotMatch(out, /rebuild|ncc built/, 'fresh: nothing rebuilt');

    writeFile(root, 'src/engine/plan.ts', 'export const plan = 2;\n');
    out = npm(['scripts/test.mjs', 'test/unit/pure.test.ts']);
    assert.match(out, /dist\/ is not fresh \(cli, github, azure-devops\); no selected test runs it: not rebuilt/);
    assert.doesNotMatch(out, NCC);
    out = npm(bundleTest);
    assert.match(out, /dist\/ is older than src\/ .*: rebuilding cli, github, azure-devops\n/);
    assert.equal(out.match(NCC)?.length, 3, out);

    // What CI does: `npm run build`, then the tests, which then build nothing.
    writeFile(root, 'src/engine/plan.ts', 'export const plan = 3;\n');
    npm(['scripts/build.mjs']);
    out = npm(bundleTest);
    assert.doesNotMatch(out, /rebuild|ncc built/, 'built by npm run build: nothing rebuilt');

    writeFile(root, 'dist/github/index.js', '// an older bundle, checked out from another commit\n');
    out = npm(bundleTest);
    assert.match(out, /dist\/ is not what the last build wrote .*: rebuilding github\n/);
    assert.equal(out.match(NCC)?.length, 1, out);
  });

  it('runs no test when the rebuild fails, and rebuilds again next time', () => {
    const { npm } = checkout();
    const out = npm(['scripts/test.mjs', 'test/integration/bundle.test.ts'], { FAIL_NCC: '1' });
    assert.match(out, /The build failed: no test ran\./);
    assert.doesNotMatch(out, /# pass/);
    // The failed build had removed dist/cli and recorded nothing.
    const again = npm(['scripts/test.mjs', 'test/integration/bundle.test.ts']);
    assert.match(again, /a bundle is missing from dist\/: rebuilding cli\n/);
    assert.equal(again.match(NCC)?.length, 3, again);
    assert.match(again, /# pass 1/);
  });
});
