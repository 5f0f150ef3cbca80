import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('reads a linked folder inside the source once: the real folder first, loops and repeats reported', async () => {
    const root = makeTree({ 'real/file.txt': 'f', 'other/o.txt': 'o' });
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    symlinkSync(path.join(root, 'other'), path.join(root, 'z-link'));
    symlinkSync(root, path.join(root, 'real', 'loop'));
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
    symlinkSync(path.join(root, 'real', 'file.txt'), path.join(root, 'file-link.txt'));
    const result = await scanSource(root, new PathFilter([], []));
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['file-link.txt', 'other/o.txt', 'real/file.txt'],
    );
    assert.deepEqual(result.warnings, [
      'alias: not followed, it leads to a folder already synced as "real"',
      'dangling: skipped a broken symbolic link',
      'real/loop: not followed, the symbolic link loops back to a parent folder',
      'z-link: not followed, it leads to a folder already synced as "other"',
    ]);
  });

  it('skips links that point outside the source, each said once, unless asked to follow them', async () => {
    const outside = makeTree({ 'secret.txt': 's', 'deep/passwd': 'p' });
    const root = makeTree({ 'site/index.html': 'i' });
    symlinkSync(outside, path.join(root, 'site', 'etc'));
    symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'secret.txt'));
    const result = await scanSource(root, new PathFilter([], []));
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['site/index.html'],
    );
    assert.deepEqual(
      result.warnings.map((w) => w.replace(outside, '<outside>')),
      [
        'secret.txt: skipped, the symbolic link points outside the source folder (to <outside>/secret.txt); turn on follow-symlinks to follow such links',
        'site/etc: skipped, the symbolic link points outside the source folder (to <outside>); turn on follow-symlinks to follow such links',
      ],
    );
    const followed = await scanSource(root, new PathFilter([], []), undefined, { followSymlinks: true });
    assert.deepEqual(
      followed.files.map((f) => f.name),
      ['secret.txt', 'site/etc/deep/passwd', 'site/etc/secret.txt', 'site/index.html'],
    );
    assert.deepEqual(followed.warnings, []);
  });

  it('reads each folder of a chain of doubled links once, whatever the chain multiplies to', async () => {
    // Level 0 holds one file; each level above holds a file and two links to the level below: followed blindly,
    // 14 levels over 15 real files list 2^15 - 1 = 32,767 files.
    const root = makeTree({ 'level0/f.txt': '0' });
    for (let level = 1; level < 15; level++) {
      mkdirSync(path.join(root, `level${level}`));
      writeFileSync(path.join(root, `level${level}`, 'f.txt'), String(level));
      for (const copy of ['a', 'b']) {
        symlinkSync(path.join(root, `level${level - 1}`), path.join(root, `level${level}`, copy));
      }
    }
    for (const followSymlinks of [false, true]) {
      const result = await scanSource(root, new PathFilter([], []), undefined, { followSymlinks });
      assert.equal(result.files.length, 15, `followSymlinks ${followSymlinks}`);
      assert.equal(result.warnings.length, 28, 'every link said once');
    }
  });

  it('follows a link out of the source into a loop without reading a folder twice', async () => {
    const outside = makeTree({ 'x.txt': 'x' });
    const root = makeTree({ 'in.txt': 'i' });
    symlinkSync(outside, path.join(root, 'out'));
    symlinkSync(root, path.join(outside, 'back'));
    const result = await scanSource(root, new PathFilter([], []), undefined, { followSymlinks: true });
    assert.deepEqual(
      result.files.map((f) => f.name),
      ['in.txt', 'out/x.txt'],
    );
    assert.deepEqual(result.warnings, ['out/back: not followed, the symbolic link loops back to a parent folder']);
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
