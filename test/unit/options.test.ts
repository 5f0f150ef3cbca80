import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { blobNameProblem, normalizeDestinationPath } from '../../src/engine/names/blob-name.js';
import { validateContainerName } from '../../src/engine/names/container-name.js';
import { autoConcurrency, resolveSyncOptions, splitPatterns } from '../../src/engine/options.js';

describe('resolveSyncOptions', () => {
  it('applies the documented defaults', () => {
    const options = resolveSyncOptions({ source: 'out' });
    assert.equal(options.compare, 'md5');
    assert.equal(options.deleteDestination, false);
    assert.equal(options.deleteThreshold, 0.5);
    assert.equal(options.dryRun, false);
    assert.equal(options.concurrency, autoConcurrency());
    assert.equal(options.destinationPath, '');
    assert.deepEqual(options.include, []);
  });

  it('parses thresholds as shares or percentages, tiers case-insensitively', () => {
    assert.equal(resolveSyncOptions({ source: 'x', deleteThreshold: '25%' }).deleteThreshold, 0.25);
    assert.equal(resolveSyncOptions({ source: 'x', deleteThreshold: '0.1' }).deleteThreshold, 0.1);
    assert.equal(resolveSyncOptions({ source: 'x', accessTier: 'cool' }).accessTier, 'Cool');
    assert.equal(resolveSyncOptions({ source: 'x', compare: 'SIZE' }).compare, 'size');
    assert.equal(resolveSyncOptions({ source: 'x', concurrency: '7' }).concurrency, 7);
  });

  it('reads the bandwidth cap in megabits a second; none when empty', () => {
    assert.equal(resolveSyncOptions({ source: 'x', capMbps: '40' }).capMbps, 40);
    assert.equal(resolveSyncOptions({ source: 'x', capMbps: ' 0.5 ' }).capMbps, 0.5);
    assert.equal(resolveSyncOptions({ source: 'x', capMbps: '' }).capMbps, undefined);
    assert.equal(resolveSyncOptions({ source: 'x' }).capMbps, undefined);
  });

  for (const bad of ['0', '0.0', '-5', 'fast', '10Mbps', '1e3', 'Infinity']) {
    it(`refuses the bandwidth cap "${bad}", naming the option and how to write it`, () => {
      assert.throws(
        () => resolveSyncOptions({ source: 'x', capMbps: bad }),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.match(error.message, /not a positive number of megabits a second/);
          assert.match(error.hint ?? '', /Give capMbps a number such as 40/);
          return true;
        },
      );
    });
  }

  const bad: [string, object][] = [
    ['compare', { compare: 'mtime' }],
    ['threshold above 1', { deleteThreshold: '1.5' }],
    ['threshold not a number', { deleteThreshold: 'half' }],
    ['concurrency 0', { concurrency: '0' }],
    ['concurrency fraction', { concurrency: '2.5' }],
    ['tier', { accessTier: 'Premium' }],
    ['destination with ..', { destinationPath: 'site/../other' }],
    ['cache rule without =', { cacheControl: ['no-cache'] }],
  ];
  for (const [label, raw] of bad) {
    it(`rejects a bad ${label} with a hint`, () => {
      assert.throws(
        () => resolveSyncOptions({ source: 'x', ...raw }),
        (error: unknown) => error instanceof UsageError && error.message.length > 0,
      );
    });
  }
});

describe('splitPatterns', () => {
  it('splits lines and commas but keeps brace alternatives', () => {
    assert.deepEqual(splitPatterns(['*.html, *.css\n**/*.{js,mjs}', ' ']), ['*.html', '*.css', '**/*.{js,mjs}']);
  });
});

describe('names', () => {
  it('normalises destination paths', () => {
    assert.equal(normalizeDestinationPath('/site//v2/'), 'site/v2');
    assert.equal(normalizeDestinationPath('site\\v2'), 'site/v2');
    assert.equal(normalizeDestinationPath(undefined), '');
    assert.throws(() => normalizeDestinationPath('./x'), UsageError);
  });

  it('validates container names', () => {
    for (const ok of ['abc', 'my-site-2', '$web', 'a'.repeat(63)]) assert.equal(validateContainerName(ok), ok);
    for (const bad of ['ab', 'My-Site', 'a--b', '-ab', 'ab-', 'a_b', 'a'.repeat(64), '']) {
      assert.throws(() => validateContainerName(bad), UsageError, bad);
    }
  });

  it('flags names the service would reject or alter', () => {
    assert.equal(blobNameProblem('ok/name.txt'), undefined);
    assert.match(blobNameProblem('x'.repeat(1025)) ?? '', /1025/);
    assert.match(blobNameProblem('trailing.') ?? '', /trailing/);
  });
});
