// The repository's workflows, the documented workflows and action.yml against SchemaStore's schemas for GitHub
// workflows and actions (github-workflow.json, github-action.json; Apache-2.0), since they cannot run here. The npm
// validators lag behind GitHub (DESIGN.md §6), so the schemas themselves are read and applied with Ajv.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { codeBlocks, docPages, docText } from '../support/docs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A SchemaStore schema: from test/fixtures/, or from the shared folder beside the repository. */
function schemaStore(name: string): ValidateFunction {
  const places = [
    path.join(ROOT, 'test/fixtures', `${name}.schema.json`),
    path.join(ROOT, '../shared', `${name}.json`),
  ];
  const file = places.find((place) => existsSync(place));
  assert.ok(file, `SchemaStore's src/schemas/json/${name}.json is needed at ${places.join(' or ')}`);
  return new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(file, 'utf8')));
}

const yamlFile = (file: string) => parse(readFileSync(path.join(ROOT, file), 'utf8'));
const explain = (validate: ValidateFunction) => JSON.stringify(validate.errors, null, 2);

describe('GitHub workflows against the workflow schema', () => {
  const validate = schemaStore('github-workflow');

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
  });
});

describe('action.yml against the action schema', () => {
  const validate = schemaStore('github-action');
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
