// The repository's workflows, the documented workflows and action.yml against schemas of GitHub's workflow and action
// syntax (test/support/github-schemas.ts), since they cannot run here. The npm validators lag behind GitHub
// (DESIGN.md §6), so the schemas are applied with Ajv.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { codeBlocks, docPages, docText } from '../support/docs.js';
import { ACTION_SCHEMA, WORKFLOW_SCHEMA } from '../support/github-schemas.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const compile = (schema: object): ValidateFunction => new Ajv({ allErrors: true, strict: false }).compile(schema);

const yamlFile = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'));
const explain = (validate: ValidateFunction) => JSON.stringify(validate.errors, null, 2);

describe('GitHub workflows against the workflow schema', () => {
  const validate = compile(WORKFLOW_SCHEMA);

  it('validates .github/workflows/ci.yml and release.yml', () => {
    for (const file of ['.github/workflows/ci.yml', '.github/workflows/release.yml'])
      assert.ok(validate(yamlFile(file)), `${file}: ${explain(validate)}`);
  });

  it('validates every whole workflow in README and docs', () => {
    const workflows = ['README.md', ...docPages()].flatMap((page) =>
      codeBlocks(docText(page), 'yaml')
        .map((yaml) => parse(yaml))
        .filter((doc) => doc?.on && doc?.jobs)
        .map((doc) => ({ page, doc })),
    );
    assert.ok(workflows.length >= 6, `workflows: ${workflows.length}`);
    for (const { page, doc } of workflows) assert.ok(validate(doc), `${page} "${doc.name}": ${explain(validate)}`);
  });

  it('rejects what GitHub would reject (the validator is live)', () => {
    const ci = yamlFile('.github/workflows/ci.yml');
    assert.equal(validate({ ...ci, permissions: { 'id-token': 'writ' } }), false);
    assert.equal(validate({ ...ci, jobs: { test: { ...ci.jobs.test, 'runs-on': undefined } } }), false);
    assert.equal(validate({ ...ci, on: { push: { tag: ['v*'] } } }), false);
    assert.equal(validate({ ...ci, on: { pull_requests: null } }), false);
    const step = ci.jobs.test.steps[0];
    const bothKinds = { ...ci.jobs.test, steps: [{ ...step, run: 'echo both' }] };
    assert.equal(validate({ ...ci, jobs: { test: bothKinds } }), false);
    assert.equal(validate({ ...ci, jobs: { test: { ...ci.jobs.test, 'timeout-minute': 5 } } }), false);
  });
});

describe('action.yml against the action schema', () => {
  const validate = compile(ACTION_SCHEMA);
  const action = yamlFile('action.yml') as { branding?: { icon?: string; color?: string } };

  it('validates, with Marketplace branding: a Feather icon and a colour GitHub offers', () => {
    assert.ok(validate(action), explain(validate));
    assert.ok(action.branding?.icon && action.branding?.color, 'branding: icon and color');
  });

  it('rejects an icon or a colour the Marketplace does not offer', () => {
    assert.equal(validate({ ...action, branding: { ...action.branding, icon: 'rocket-ship' } }), false);
    assert.equal(validate({ ...action, branding: { ...action.branding, color: 'teal' } }), false);
  });
});
