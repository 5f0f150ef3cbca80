import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ACTION_TAG, codeBlocks, docPages, docText } from '../support/docs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const json = (file: string) => JSON.parse(read(file));

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: { push?: { tags?: string[]; branches?: string[] }; pull_request?: unknown };
  permissions?: Record<string, string>;
  jobs: Record<string, { 'runs-on': string; steps: Step[] }>;
}
const workflow = (name: string) => parse(read(`.github/workflows/${name}`)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const scripts = (w: Workflow) => steps(w).flatMap((step) => (step.run ? [step.run] : []));

/** A GitHub filter pattern as a regular expression: `+` repeats the character or set before it, `.` is itself. */
function filterPattern(pattern: string): RegExp {
  const body = pattern
    .replace(/[.^$(){}|\\]/g, '\\$&')
    .replace(/\*\*/g, '.*')
    .replace(/(?<!\.)\*/g, '[^/]*');
  return new RegExp(`^${body}$`);
}

describe('versions', () => {
  const version = json('package.json').version as string;

  it('package.json, task.json and vss-extension.json name the same version, and the changelog has it', () => {
    const task = json('task.json').version;
    assert.match(version, /^\d+\.\d+\.\d+$/);
    assert.equal(`${task.Major}.${task.Minor}.${task.Patch}`, version, 'task.json version');
    assert.equal(json('vss-extension.json').version, version, 'vss-extension.json version');
    assert.match(read('CHANGELOG.md'), new RegExp(`^## \\[${version.replace(/\./g, '\\.')}\\]`, 'm'));
  });

  it('every `uses:` of this action in README and docs names the major tag of that version', () => {
    assert.equal(ACTION_TAG, `v${version.split('.')[0]}`);
    const uses = ['README.md', ...docPages()].flatMap((page) =>
      [...docText(page).matchAll(/uses: ([^\s`]+\/azure-blob-sync@[^\s`]+)/g)].map((m) => `${page}: ${m[1]}`),
    );
    assert.ok(
      uses.some((line) => line.startsWith('README.md: ')),
      'the README has a uses: line',
    );
    for (const line of uses) assert.ok(line.endsWith(`/azure-blob-sync@${ACTION_TAG}`), line);
    const clone = codeBlocks(docText('README.md'), 'sh').join('\n');
    assert.match(clone, new RegExp(`git clone .*--branch ${ACTION_TAG} `), 'the CLI quick start clones the major tag');
  });
});

describe('.github/workflows/ci.yml', () => {
  const ci = workflow('ci.yml');

  it("runs the README's test command on ubuntu with Node 20, for pushes to main and pull requests", () => {
    assert.deepEqual(ci.on.push?.branches, ['main']);
    assert.ok('pull_request' in ci.on);
    const job = Object.values(ci.jobs)[0]!;
    assert.equal(job['runs-on'], 'ubuntu-latest');
    const node = steps(ci).find((step) => step.uses?.startsWith('actions/setup-node@'));
    assert.equal(String(node?.with?.['node-version']), '20');
    assert.match(docText('README.md'), /^npm ci && npm test /m, "the README's command");
    const run = scripts(ci);
    assert.ok(run.indexOf('npm ci') >= 0 && run.indexOf('npm ci') < run.indexOf('npm test'), run.join('\n'));
    for (const check of ['npm run typecheck', 'npm run lint', 'npm run format:check']) assert.ok(run.includes(check));
  });

  it('fails when the committed dist/ is not what the build writes, as .ci/run does', () => {
    const freshness = scripts(ci).find((script) => script.includes('npm run build'));
    assert.ok(freshness, 'a step builds');
    const check = 'if ! git diff --quiet --exit-code -- dist || [ -n "$(git status --porcelain -- dist)" ]; then';
    assert.ok(freshness.includes(check), freshness);
    assert.ok(read('.ci/run').includes(check), '.ci/run checks the same way');
    assert.ok(scripts(ci).indexOf(freshness) < scripts(ci).indexOf('npm test'), 'before the tests');
  });
});

describe('.github/workflows/release.yml', () => {
  const release = workflow('release.yml');
  const all = scripts(release).join('\n');

  it('runs on a version tag, and only on one', () => {
    const tags = release.on.push?.tags ?? [];
    assert.equal(Object.keys(release.on).length, 1);
    const matches = (ref: string) => tags.some((tag) => filterPattern(tag).test(ref));
    for (const ref of ['v0.1.0', 'v1.2.3', 'v10.20.30']) assert.ok(matches(ref), ref);
    for (const ref of ['v1', 'v1.2', 'latest', 'v1.2.3-rc.1', 'x1.2.3']) assert.ok(!matches(ref), ref);
  });

  it('checks the tag against the versions, builds, packages the .vsix, attaches it, moves the major tag', () => {
    assert.equal(release.permissions?.contents, 'write');
    const order = [
      'npm ci',
      'GITHUB_REF_NAME',
      'npm run build',
      'npm run package:vsix -- --output "azure-blob-sync-$GITHUB_REF_NAME.vsix"',
      'gh release create "$GITHUB_REF_NAME" "azure-blob-sync-$GITHUB_REF_NAME.vsix"',
      'git push --force origin "refs/tags/$major"',
    ].map((text) => all.indexOf(text));
    assert.ok(!order.includes(-1), `every step is there: ${order}`);
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'in that order',
    );
    for (const file of ['package.json', 'task.json', 'vss-extension.json']) assert.ok(all.includes(`"${file}"`), file);
    assert.match(all, /major="\$\{GITHUB_REF_NAME%%\.\*\}"/, 'the major tag is vX of vX.Y.Z');
    assert.ok(JSON.parse(read('package.json')).scripts['package:vsix'], 'npm run package:vsix exists');
  });
});
