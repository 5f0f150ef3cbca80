import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { defaultContentType, HeaderResolver, parseHeaderRules } from '../../src/engine/plan/headers.js';

describe('defaultContentType', () => {
  const expected: Record<string, string> = {
    'index.html': 'text/html; charset=utf-8',
    'a/app.js': 'text/javascript; charset=utf-8',
    'm.mjs': 'text/javascript; charset=utf-8',
    'data.json': 'application/json; charset=utf-8',
    'style.css': 'text/css; charset=utf-8',
    'icon.svg': 'image/svg+xml',
    'mod.wasm': 'application/wasm',
    'photo.JPG': 'image/jpeg',
    'doc.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'release.tar.gz': 'application/gzip',
    'no-extension': 'application/octet-stream',
    '.well-known/security.txt': 'text/plain; charset=utf-8',
  };
  for (const [name, type] of Object.entries(expected))
    it(`${name} → ${type}`, () => assert.equal(defaultContentType(name), type));
});

describe('header rules', () => {
  it('splits at the first "=" so values may contain "="', () => {
    assert.deepEqual(parseHeaderRules(['assets/**=public, max-age=31536000, immutable'], 'cache-control'), [
      { pattern: 'assets/**', value: 'public, max-age=31536000, immutable' },
    ]);
  });

  it('accepts several rules per line-separated input and ignores blanks and comments', () => {
    const rules = parseHeaderRules(['**/*.html=no-cache\n\n# hashed assets\nassets/**=max-age=60'], 'cache-control');
    assert.equal(rules.length, 2);
  });

  for (const bad of ['no-equals', '=value', 'glob=']) {
    it(`rejects "${bad}" with a usage error`, () =>
      assert.throws(() => parseHeaderRules([bad], 'cache-control'), UsageError));
  }

  it('applies the last matching rule, patterns without "/" at any depth', () => {
    const resolver = new HeaderResolver(
      [{ pattern: '*.data', value: 'application/x-custom' }],
      [
        { pattern: '**', value: 'public, max-age=300' },
        { pattern: '*.html', value: 'no-cache' },
      ],
    );
    assert.deepEqual(resolver.resolve('deep/dir/page.html'), {
      contentType: 'text/html; charset=utf-8',
      cacheControl: 'no-cache',
    });
    assert.deepEqual(resolver.resolve('x/y.data'), {
      contentType: 'application/x-custom',
      cacheControl: 'public, max-age=300',
    });
    assert.equal(new HeaderResolver([], []).resolve('a.css').cacheControl, undefined);
  });
});
