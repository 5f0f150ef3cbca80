import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { PathFilter } from '../../src/engine/plan/path-filter.js';
import { resolveSourceFolder, scanSource } from '../../src/engine/local/scan.js';
import { makeTree } from '../support/files.js';

describe('scanSource (real file system)', () => {
  it('finds hidden files and nested folders, in name order, with sizes', async () => {
    const root = makeTree({ 'b.txt': 'bb', '.well-known/x': 'x', 'a/b/c/d.txt': 'dddd', '.env': '' });
    const result = await scanSource(root, new PathFilter([], []));
    assert.deepEqual(
      result.files.map((f) => [f.name, f.size]),
      [
        ['.env', 0],
        ['.well-known/x', 1],
        ['a/b/c/d.txt', 4],
        ['b.txt', 2],
      ],
    );
    assert.deepEqual([result.problems, result.warnings], [[], []]);
  });

  it('follows a symlinked folder once but not into a loop, and warns about broken links', async () => {
    const root = makeTree({ 'real/file.txt': 'f' });
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    symlinkSync(root, path.join(root, 'real', 'loop'));
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    const result = await scanSource(root, new PathFilter([], []));
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['alias/file.txt', 'real/file.txt'],
    );
    assert.equal(result.warnings.filter((w) => w.includes('loops back')).length, 2);
    assert.ok(result.warnings.some((w) => w.startsWith('dangling: skipped a broken symbolic link')));
  });

  it('does not descend into excluded folders', async () => {
    const root = makeTree({ 'keep.js': 'k', 'node_modules/x/index.js': 'x' });
    mkdirSync(path.join(root, 'node_modules', 'x', 'deep'), { recursive: true });
    const result = await scanSource(root, new PathFilter([], ['node_modules']));
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['keep.js'],
    );
  });
});

describe('resolveSourceFolder', () => {
  it('rejects a missing path and a file with usage errors that say what to do', async () => {
    const root = makeTree({ 'f.txt': 'x' });
    await assert.rejects(
      resolveSourceFolder(path.join(root, 'nope')),
      (e: unknown) => e instanceof UsageError && /does not exist/.test(e.message),
    );
    await assert.rejects(
      resolveSourceFolder(path.join(root, 'f.txt')),
      (e: unknown) => e instanceof UsageError && /is a file/.test(e.message),
    );
    assert.equal(await resolveSourceFolder(root), root);
  });
});
