import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitCollisions } from '../../src/engine/plan/collisions.js';
import { PathFilter } from '../../src/engine/plan/path-filter.js';
import { scanSource } from '../../src/engine/local/scan.js';
import type { SourceEntry } from '../../src/engine/types.js';
import { makeTree } from '../support/files.js';

describe('local names with a backslash', () => {
  it('are scanned under the name the service stores, keeping their own name, and patterns see the stored name', async () => {
    const root = makeTree({ 'docs\\guide.txt': 'g', 'docs\\old\\x.txt': 'x', 'plain.txt': 'p' });
    const result = await scanSource(root, new PathFilter([], ['docs/old']));
    assert.deepEqual(
      result.files.map((f) => [f.name, f.sourceName]),
      [
        ['docs/guide.txt', 'docs\\guide.txt'],
        ['plain.txt', undefined],
      ],
    );
    assert.equal(result.filteredOut, 1, 'docs\\old\\x.txt is under the excluded docs/old');
  });

  it('that collide keep the entry stored under its own name, else the first own name; the rest fail', () => {
    const entry = (sourceName?: string): SourceEntry => ({ name: 'a/b/c.txt', sourceName, size: 1 });
    const [plain, root, folder, file] = [entry(), entry('a\\b\\c.txt'), entry('a\\b/c.txt'), entry('a/b\\c.txt')];
    const other: SourceEntry = { name: 'd.txt', size: 1 };

    const withPlain = splitCollisions([root, plain, other, folder]);
    assert.deepEqual(withPlain.entries, [plain, other]);
    assert.deepEqual(
      withPlain.collisions.map((c) => c.name),
      ['a\\b/c.txt', 'a\\b\\c.txt'],
    );
    assert.match(
      withPlain.collisions[0]!.reason,
      /^collides with "a\/b\/c\.txt": the service turns "\\" into "\/", so both would be "a\/b\/c\.txt"; rename one \(only "a\/b\/c\.txt" is synced\)$/,
    );

    // Without one stored under its own name, code-unit order decides ('/' sorts before '\'), the same on every run.
    const without = splitCollisions([root, folder, file]);
    assert.deepEqual(without.entries, [file]);
    assert.deepEqual(splitCollisions([plain, other]), { entries: [plain, other], collisions: [] });
  });
});
