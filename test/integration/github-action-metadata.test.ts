import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { resolveSyncOptions } from '../../src/engine/options.js';
import { FLAGS } from '../../src/platform/cli/args.js';
import { ROOT } from '../support/cli.js';

interface ActionMetadata {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8')) as ActionMetadata;
const entrySource = readdirSync(path.join(ROOT, 'src/platform/github'))
  .map((file) => readFileSync(path.join(ROOT, 'src/platform/github', file), 'utf8'))
  .join('\n');

/** Names passed to the input readers and to setOutput in the entry's source. */
function namesUsed(pattern: RegExp): Set<string> {
  return new Set([...entrySource.matchAll(pattern)].map((m) => m[1]!));
}

/** Inputs that exist only for the Action (no CLI flag of that name). */
const ACTION_ONLY = new Set([
  'source',
  'client-id',
  'tenant-id',
  'audience',
  'authority-host',
  // Pull-request previews exist on the Action and the task, not the CLI.
  'preview',
  'preview-path',
  'site-url',
  'preview-retention',
  'github-token',
  'pull-request',
]);

describe('action.yml', () => {
  it('runs the committed bundle on node24 and has marketplace metadata', () => {
    assert.deepEqual(action.runs, { using: 'node24', main: 'dist/github/index.js' });
    assert.ok(existsSync(path.join(ROOT, action.runs.main)), 'the bundle is built');
    for (const field of [action.name, action.description, action.author, action.branding.icon, action.branding.color]) {
      assert.ok(field && field.length > 2);
    }
  });

  it('declares exactly the inputs the entry reads, each described, optional ones with a default', () => {
    const read = namesUsed(/(?:getInput|getMultilineInput|booleanInput|required)\('([a-z-]+)'/g);
    for (const secret of ['sas-token', 'connection-string', 'account-key', 'github-token']) read.add(secret);
    assert.deepEqual(Object.keys(action.inputs).sort(), [...read].sort());
    for (const [name, input] of Object.entries(action.inputs)) {
      assert.ok(input.description.length > 10, `${name} has a description`);
      if (!input.required) assert.equal(typeof input.default, 'string', `${name} has a default`);
    }
    assert.deepEqual(
      Object.entries(action.inputs)
        .filter(([, input]) => input.required)
        .map(([name]) => name),
      ['source'],
    );
    // The entry requires `container` itself, except for a download, whose source URL names it.
    assert.match(entrySource, /downloadTo \? core\.getInput\('container'\) : required\('container'\)/);
  });

  it('names every shared input like the CLI flag, with the same default meaning', () => {
    for (const name of Object.keys(action.inputs)) {
      if (!ACTION_ONLY.has(name)) assert.ok(name in FLAGS, `${name} is also a CLI flag`);
    }
    const d = (name: string) => action.inputs[name]?.default || undefined;
    const bool = (name: string) => d(name) === 'true';
    const fromActionDefaults = resolveSyncOptions({
      source: 'x',
      destinationPath: d('destination-path'),
      compare: d('compare'),
      deleteDestination: bool('delete-destination'),
      deleteThreshold: d('delete-threshold'),
      force: bool('force'),
      dryRun: bool('dry-run'),
      concurrency: d('concurrency'),
      capMbps: d('cap-mbps'),
      accessTier: d('access-tier'),
      createContainer: bool('create-container'),
      deleteGrace: d('delete-grace'),
      followSymlinks: bool('follow-symlinks'),
      immutable: bool('immutable'),
      hashCache: d('hash-cache'),
    });
    assert.deepEqual(fromActionDefaults, resolveSyncOptions({ source: 'x' }));
    assert.equal(action.inputs.audience?.default, 'api://AzureADTokenExchange');
  });

  it('declares exactly the outputs the entry sets', () => {
    assert.deepEqual(Object.keys(action.outputs).sort(), [...namesUsed(/setOutput\('([a-z-]+)'/g)].sort());
    for (const [name, output] of Object.entries(action.outputs)) assert.ok(output.description, `${name} described`);
  });
});
