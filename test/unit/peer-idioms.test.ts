import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { normalizeDestinationPath } from '../../src/engine/names/blob-name.js';
import { validateContainerName } from '../../src/engine/names/container-name.js';
import { explainMissingSource, interpretSourcePath } from '../../src/engine/local/source-path.js';
import { findUnexpanded } from '../../src/engine/unexpanded.js';
import { makeTree } from '../support/files.js';

describe('sources written as AzCopy and Azure File Copy write them', () => {
  it('reads a contents glob as its folder, with either separator, unless that very name exists', () => {
    const root = makeTree({ 'dist/a.txt': 'a', 'odd/*/b.txt': 'b' });
    const at = (p: string) => path.join(root, p);
    for (const glob of ['dist/*', 'dist/**', 'dist/**/*', 'dist\\*', 'dist\\**\\*'])
      assert.deepEqual(interpretSourcePath(at(glob)), { folder: at('dist'), contentsGlob: at(glob) }, glob);
    assert.deepEqual(interpretSourcePath('*'), { folder: '.', contentsGlob: '*' });
    assert.deepEqual(interpretSourcePath('C:\\*').folder, 'C:\\');
    assert.deepEqual(interpretSourcePath(at('odd/*')), { folder: at('odd/*') }, 'a folder named * is that folder');
    for (const plain of ['dist', 'dist/*.html', 'dist/a*'])
      assert.deepEqual(interpretSourcePath(at(plain)), { folder: at(plain) }, plain);
  });

  it('explains a missing source that is another pattern, and says nothing about a plain missing folder', () => {
    assert.match(explainMissingSource('dist/*.html')!.message, /is a pattern, but a source is a folder/);
    assert.equal(explainMissingSource('build/out'), undefined);
  });
});

describe('variables and expressions that were never expanded', () => {
  it('names the syntax: an Azure Pipelines macro, an expression, an environment variable', () => {
    assert.deepEqual(
      [
        findUnexpanded('$(Build.ArtifactStagingDirectory)/site', false)?.text,
        findUnexpanded('${{ vars.OUT }}/site', false)?.text,
        findUnexpanded('$[ variables.out ]', false)?.text,
        findUnexpanded('$OUT_DIR/site', true)?.text,
        findUnexpanded('${OUT_DIR}/site', true)?.text,
        findUnexpanded('%OUT_DIR%\\site', true)?.text,
      ],
      [
        '$(Build.ArtifactStagingDirectory)',
        '${{ vars.OUT }}',
        '$[ variables.out ]',
        '$OUT_DIR',
        '${OUT_DIR}',
        '%OUT_DIR%',
      ],
    );
    assert.match(findUnexpanded('$(site.dir)', false)!.why, /the pipeline variable site\.dir is not defined/);
  });

  it('looks for shell forms only where asked: `$web` is a container, not a variable', () => {
    assert.equal(findUnexpanded('$web', false), undefined);
    assert.equal(validateContainerName('$web'), '$web');
    assert.throws(
      () => validateContainerName('$(container)'),
      (e: unknown) => e instanceof UsageError && /not defined/.test(e.message),
    );
    assert.throws(() => normalizeDestinationPath('v/$(Build.BuildNumber)'), /holds \$\(Build\.BuildNumber\)/);
    assert.equal(normalizeDestinationPath('site/$web-copy'), 'site/$web-copy');
  });
});
