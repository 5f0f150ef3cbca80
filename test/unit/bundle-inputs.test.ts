import assert from 'node:assert/strict';
import { renameSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { inputsHash, recordBuild, staleBundles } from '../../scripts/bundle-inputs.mjs';
import { makeTree, writeFile } from '../support/files.js';

/** A repository-shaped folder: the bundles' inputs, and files that are not inputs. */
function checkout(): string {
  return makeTree({
    'src/platform/cli/index.ts': 'console.log(1);\n',
    'src/engine/plan.ts': 'export const plan = 1;\n',
    'package.json': '{"version":"1.0.0"}\n',
    'package-lock.json': '{}\n',
    'tsconfig.json': '{}\n',
    'scripts/build.mjs': '// build\n',
    'scripts/bundle-inputs.mjs': '// inputs\n',
    'README.md': '# readme\n',
    'test/unit/plan.test.ts': '// test\n',
  });
}

describe('the hash of the bundles’ inputs', () => {
  it('follows contents, not mtimes', () => {
    const root = checkout();
    const before = inputsHash(root);
    assert.match(before, /^[0-9a-f]{64}$/);
    const file = path.join(root, 'src/engine/plan.ts');
    utimesSync(file, new Date('2001-01-01'), new Date('2001-01-01')); // what a fresh clone may look like
    writeFile(root, 'src/platform/cli/index.ts', 'console.log(1);\n'); // rewritten, same content, new mtime
    assert.equal(inputsHash(root), before);

    writeFile(root, 'src/engine/plan.ts', 'export const plan = 2;\n');
    assert.notEqual(inputsHash(root), before);
    writeFile(root, 'src/engine/plan.ts', 'export const plan = 1;\n');
    assert.equal(inputsHash(root), before, 'back to the same content, back to the same hash');
  });

  it('covers all of src/, the dependencies, tsconfig and the build scripts, and nothing else', () => {
    const root = checkout();
    const before = inputsHash(root);
    for (const file of ['README.md', 'test/unit/plan.test.ts', 'dist/cli/index.js']) {
      writeFile(root, file, 'changed\n');
      assert.equal(inputsHash(root), before, `${file} is not an input`);
    }
    for (const file of [
      'src/engine/new.ts',
      'src/platform/cli/index.ts',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'scripts/build.mjs',
      'scripts/bundle-inputs.mjs',
    ]) {
      const other = checkout();
      const hash = inputsHash(other);
      writeFile(other, file, 'changed\n');
      assert.notEqual(inputsHash(other), hash, `${file} is an input`);
    }
  });

  it('changes when a file is renamed or removed, whatever its content', () => {
    const root = checkout();
    const before = inputsHash(root);
    renameSync(path.join(root, 'src/engine/plan.ts'), path.join(root, 'src/engine/plan2.ts'));
    const renamed = inputsHash(root);
    assert.notEqual(renamed, before);
    rmSync(path.join(root, 'src/engine/plan2.ts'));
    assert.notEqual(inputsHash(root), renamed);
    assert.notEqual(inputsHash(root), before);
  });
});

describe('which bundles need building', () => {
  it('none once built and recorded; then each with its reason', () => {
    const root = checkout();
    writeFile(root, 'dist/cli/index.js', 'cli bundle\n');
    writeFile(root, 'dist/github/index.js', 'github bundle\n');
    assert.deepEqual(staleBundles(root), [
      { name: 'cli', reason: 'unrecorded' },
      { name: 'github', reason: 'unrecorded' },
      { name: 'azure-devops', reason: 'missing' },
    ]);

    writeFile(root, 'dist/azure-devops/index.js', 'task bundle\n');
    for (const name of ['cli', 'github', 'azure-devops']) recordBuild(root, name, inputsHash(root));
    assert.deepEqual(staleBundles(root), []);

    writeFile(root, 'src/engine/plan.ts', 'export const plan = 2;\n');
    recordBuild(root, 'cli', inputsHash(root)); // `npm run build cli` rebuilt only the CLI
    assert.deepEqual(staleBundles(root), [
      { name: 'github', reason: 'changed' },
      { name: 'azure-devops', reason: 'changed' },
    ]);
    for (const name of ['github', 'azure-devops']) recordBuild(root, name, inputsHash(root));

    writeFile(root, 'dist/github/index.js', 'a bundle checked out from another commit\n');
    assert.deepEqual(staleBundles(root), [{ name: 'github', reason: 'edited' }]);

    recordBuild(root, 'github', undefined); // a build that started and did not finish
    rmSync(path.join(root, 'dist/azure-devops'), { recursive: true });
    assert.deepEqual(staleBundles(root), [
      { name: 'github', reason: 'unrecorded' },
      { name: 'azure-devops', reason: 'missing' },
    ]);
  });
});
