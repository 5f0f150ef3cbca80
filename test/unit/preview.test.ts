import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changedPages } from '../../src/deploy/preview/changes.js';
import { commentMarker } from '../../src/deploy/preview/comment.js';
import { describeDuration, parseDuration } from '../../src/deploy/preview/duration.js';
import {
  previewFolder,
  previewFolderGlob,
  previewParent,
  pullRequestOfFolder,
} from '../../src/deploy/preview/folders.js';
import { resolvePreviewOptions } from '../../src/deploy/preview/options.js';
import { planPreview } from '../../src/deploy/preview/preview.js';
import { ProtectedFolders } from '../../src/engine/plan/protected.js';
import { isToolState } from '../../src/engine/names/blob-name.js';
import { resolveSyncOptions } from '../../src/engine/options.js';
import { UsageError } from '../../src/engine/errors.js';

describe('preview options', () => {
  it('is off unless enabled, with pr-{number} by default', () => {
    assert.equal(resolvePreviewOptions(undefined), undefined);
    assert.equal(resolvePreviewOptions({ enabled: false, path: 'x' }), undefined);
    assert.deepEqual(resolvePreviewOptions({ enabled: true }), {
      template: 'pr-{number}',
      siteUrl: undefined,
      retention: undefined,
    });
    assert.deepEqual(
      resolvePreviewOptions({
        enabled: true,
        path: '/previews\\pr-{number}/',
        siteUrl: 'https://x.example/a/',
        retention: '14d',
      }),
      {
        template: 'previews/pr-{number}',
        siteUrl: 'https://x.example/a',
        retention: { text: '14d', ms: 14 * 86_400_000 },
      },
    );
  });

  it('refuses templates that would share or escape a folder, bad URLs and durations', () => {
    for (const path of [
      'preview',
      'pr-{number}-{number}',
      '{number}/site',
      '../pr-{number}',
      'a b/pr-{number}',
      'pr-*{number}',
    ]) {
      assert.throws(() => resolvePreviewOptions({ enabled: true, path }), UsageError, path);
    }
    for (const siteUrl of ['www.example.com', 'ftp://x.example', 'https://u:p@x.example', 'https://x.example/?sig=1']) {
      assert.throws(() => resolvePreviewOptions({ enabled: true, siteUrl }), UsageError, siteUrl);
    }
    for (const retention of ['14', 'two days', '0d', '-1d', '3y']) {
      assert.throws(() => resolvePreviewOptions({ enabled: true, retention }), UsageError, retention);
    }
  });
});

describe('preview folders', () => {
  it('names, finds and protects the folders of a template', () => {
    assert.equal(previewFolder('previews/pr-{number}', 12), 'previews/pr-12');
    assert.equal(previewParent('previews/pr-{number}'), 'previews');
    assert.equal(previewParent('pr-{number}'), '');
    assert.equal(pullRequestOfFolder('previews/pr-{number}', 'pr-12'), 12);
    assert.equal(pullRequestOfFolder('pr-{number}.preview', 'pr-7.preview'), 7);
    for (const name of ['pr-', 'pr-1a', 'pr-draft', 'xpr-1', 'pr-1.preview']) {
      assert.equal(pullRequestOfFolder('pr-{number}', name), undefined, name);
    }
    const folders = new ProtectedFolders([previewFolderGlob('pr-{number}')]);
    assert.ok(folders.covers('pr-12/index.html'));
    assert.ok(!folders.covers('pr-12'), 'a file named like a folder is no folder');
    assert.ok(!folders.covers('pr-draft/index.html'));
  });

  it('plans production with the previews protected, a pull request into its folder, a closed one for removal', () => {
    const options = resolveSyncOptions({ source: 'dist', destinationPath: 'site', deleteDestination: true });
    const raw = { enabled: true, path: 'pr-{number}' };
    assert.deepEqual(planPreview({ options: { enabled: false } }, options), { kind: 'off', options });
    const production = planPreview({ options: raw }, options);
    assert.equal(production.kind, 'production');
    assert.deepEqual(production.options.protect, ['pr-+([0-9])']);
    assert.equal(production.options.destinationPath, 'site');
    const deploy = planPreview({ options: raw, pullRequest: { number: 4, closed: false } }, options);
    assert.equal(deploy.kind, 'deploy');
    assert.equal(deploy.options.destinationPath, 'site/pr-4');
    assert.equal(deploy.options.protect, undefined);
    const remove = planPreview({ options: raw, pullRequest: { number: 4, closed: true } }, options);
    assert.equal(remove.kind, 'remove');
    assert.ok(remove.kind === 'remove' && remove.folder === 'site/pr-4' && remove.basePath === 'site');
  });
});

describe('preview details', () => {
  it('parses and describes durations', () => {
    assert.equal(parseDuration('14d'), 14 * 86_400_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration(' 30 S '), 30_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    assert.equal(parseDuration('5'), undefined);
    assert.equal(describeDuration(3 * 86_400_000), '3 days');
    assert.equal(describeDuration(1_000), '1 second');
  });

  it("recognises the tool's state folder at any depth, and nothing else", () => {
    assert.ok(isToolState('.azure-blob-sync/grace.json'));
    assert.ok(isToolState('pr-1/.azure-blob-sync/deployed.json'));
    assert.ok(!isToolState('.azure-blob-sync'));
    assert.ok(!isToolState('x.azure-blob-sync/a'));
    assert.ok(!isToolState('.azure-blob-syncer/a'));
  });

  it('lists changed pages only, and keeps the marker a valid HTML comment', () => {
    assert.deepEqual(changedPages(['b.html', 'a.js', 'A/index.HTM', 'c.css']), ['A/index.HTM', 'b.html']);
    assert.equal(commentMarker('https://a/b--c'), '<!-- azure-blob-sync preview: https://a/b- -c -->');
  });
});
