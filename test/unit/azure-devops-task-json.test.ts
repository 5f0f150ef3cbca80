import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { resolveSyncOptions, type RawSyncOptions } from '../../src/engine/options.js';
import { ROOT } from '../support/cli.js';

interface TaskInput {
  name: string;
  type: string;
  defaultValue?: string;
  groupName?: string;
  visibleRule?: string;
  options?: Record<string, string>;
  properties?: Record<string, string>;
  aliases?: string[];
  required?: boolean;
}

const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
const task = readJson('task.json');
const inputs: TaskInput[] = task.inputs;
const input = (name: string) => inputs.find((i) => i.name === name);

describe('task.json', () => {
  it('validates against the Azure Pipelines task schema', () => {
    // test/fixtures/tasks.schema.json is tasks.schema.json from github.com/microsoft/azure-pipelines-task-lib (MIT),
    // which the npm package does not ship. It is draft-04, which Ajv 8 reads once `id` is spelled `$id`; its patterns
    // use escapes that are legal in JavaScript regexps but not in unicode mode.
    const { $schema: _draft, id, ...schema } = readJson('test/fixtures/tasks.schema.json');
    const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }).compile({ ...schema, $id: id });
    assert.ok(validate(task), JSON.stringify(validate.errors, null, 2));
  });

  it('rejects what the schema forbids (the validator is live)', () => {
    const { $schema: _draft, id, ...schema } = readJson('test/fixtures/tasks.schema.json');
    const validate = new Ajv({ strict: false, unicodeRegExp: false }).compile({ ...schema, $id: id });
    assert.equal(validate({ ...task, category: 'Deployment' }), false);
    assert.equal(validate({ ...task, execution: { Node12: { target: 'x.js' } } }), false);
    assert.equal(validate({ ...task, inputs: [...inputs, { name: 'bad-name', label: 'x', type: 'string' }] }), false);
  });

  it('has what tfx and the marketplace check beyond the schema', () => {
    assert.ok(task.friendlyName.length <= 40, 'friendlyName <= 40 characters');
    assert.equal(task.category, 'Deploy');
    assert.deepEqual(Object.keys(task.execution).sort(), ['Node20_1', 'Node24']);
    for (const handler of Object.values<{ target: string }>(task.execution)) {
      // The committed bundle, so the repository root is a runnable task (the .vsix keeps the same layout).
      assert.equal(handler.target, 'dist/azure-devops/index.js');
      assert.ok(existsSync(path.join(ROOT, handler.target)), 'the bundle is built');
    }
    assert.ok(existsSync(path.join(ROOT, 'icon.png')), 'the task icon sits beside task.json');
    const { version } = readJson('package.json');
    assert.equal(`${task.version.Major}.${task.version.Minor}.${task.version.Patch}`, version);
    assert.equal(readJson('vss-extension.json').version, version);
  });

  it('declares the inputs of the issue, camelCase, plus the CLI flags for the delete guard and container', () => {
    assert.deepEqual(inputs.map((i) => i.name).sort(), [
      'accessTier',
      'authenticationType',
      'azureSubscription',
      'blobEndpoint',
      'cacheControl',
      'capMbps',
      'compare',
      'compress',
      'concurrency',
      'connectionString',
      'containerName',
      'contentType',
      'createContainer',
      'deleteDestination',
      'deleteGrace',
      'deleteThreshold',
      'destinationPath',
      'downloadTo',
      'dryRun',
      'exclude',
      'followSymlinks',
      'force',
      'hashCache',
      'immutable',
      'include',
      'managementEndpoint',
      'preview',
      'previewPath',
      'previewRetention',
      'purgeEndpoint',
      'sasToken',
      'shard',
      'siteUrl',
      'sourcePath',
      'sourceSasToken',
      'storageAccount',
      'timeout',
    ]);
    assert.equal(input('azureSubscription')?.type, 'connectedService:AzureRM');
    assert.deepEqual(input('azureSubscription')?.aliases, ['ConnectedServiceNameARM']);
    assert.deepEqual(Object.keys(input('authenticationType')?.options ?? {}), [
      'serviceConnection',
      'sasToken',
      'connectionString',
    ]);
    assert.match(input('azureSubscription')?.visibleRule ?? '', /authenticationType = serviceConnection/);
    assert.match(input('sasToken')?.visibleRule ?? '', /authenticationType = sasToken/);
    assert.match(input('connectionString')?.visibleRule ?? '', /authenticationType = connectionString/);
  });

  it('refers only to inputs and groups that exist', () => {
    const names = new Set(inputs.map((i) => i.name));
    const groups = new Set<string>(task.groups.map((g: { name: string }) => g.name));
    for (const i of inputs) {
      if (i.groupName) assert.ok(groups.has(i.groupName), `${i.name}: group ${i.groupName}`);
      for (const [, name] of (i.visibleRule ?? '').matchAll(/(\w+)\s*(?:!=|=)/g)) {
        assert.ok(names.has(name!), `${i.name}: visibleRule names ${name}`);
      }
      if (i.type === 'pickList' && i.defaultValue && i.properties?.EditableOptions !== 'True') {
        assert.ok(Object.hasOwn(i.options ?? {}, i.defaultValue), `${i.name}: default is an option`);
      }
    }
    for (const [, name] of String(task.instanceNameFormat).matchAll(/\$\((\w+)\)/g)) {
      assert.ok(names.has(name!), `instanceNameFormat names ${name}`);
    }
  });

  it('has the same defaults as the CLI and the Action (resolved through resolveSyncOptions)', () => {
    const value = (name: keyof RawSyncOptions) => {
      const i = input(name);
      assert.ok(i, `task.json has an input ${name}`);
      if (i.type === 'boolean') return i.defaultValue === 'true';
      return i.defaultValue || undefined;
    };
    const fromTaskDefaults: RawSyncOptions = {
      source: 'site',
      destinationPath: value('destinationPath') as string | undefined,
      compare: value('compare') as string | undefined,
      deleteDestination: value('deleteDestination') as boolean,
      deleteThreshold: value('deleteThreshold') as string | undefined,
      force: value('force') as boolean,
      dryRun: value('dryRun') as boolean,
      concurrency: value('concurrency') as string | undefined,
      capMbps: value('capMbps') as string | undefined,
      accessTier: value('accessTier') as string | undefined,
      createContainer: value('createContainer') as boolean,
      deleteGrace: value('deleteGrace') as string | undefined,
      followSymlinks: value('followSymlinks') as boolean,
      immutable: value('immutable') as boolean,
      hashCache: value('hashCache') as string | undefined,
    };
    // What the CLI resolves when no flag is given.
    assert.deepEqual(resolveSyncOptions(fromTaskDefaults), resolveSyncOptions({ source: 'site' }));
  });

  it('declares the output variables the task sets', () => {
    assert.deepEqual(
      task.outputVariables.map((v: { name: string }) => v.name),
      [
        'uploaded',
        'updated',
        'skipped',
        'deleted',
        'failed',
        'bytesUploaded',
        'destinationUrl',
        'changedPathsFile',
        'previewUrl',
        'copied',
        'downloaded',
        'bytesDownloaded',
      ],
    );
  });
});
