import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PathFilter } from '../../src/engine/plan/path-filter.js';

describe('PathFilter', () => {
  it('includes everything, hidden files too, by default', () => {
    const filter = new PathFilter([], []);
    for (const name of ['a.txt', '.hidden', '.well-known/security.txt', 'deep/.git/config'])
      assert.ok(filter.matches(name), name);
  });

  it('matches a pattern without "/" at any depth', () => {
    const filter = new PathFilter(['*.html'], []);
    assert.ok(filter.matches('index.html'));
    assert.ok(filter.matches('a/b/page.html'));
    assert.ok(!filter.matches('a/b/app.js'));
  });

  it('anchors a pattern with "/" at the source root', () => {
    const filter = new PathFilter(['assets/**'], []);
    assert.ok(filter.matches('assets/x/y.js'));
    assert.ok(!filter.matches('other/assets/y.js'));
  });

  it('excludes a folder and everything below it, and prunes the walk', () => {
    const filter = new PathFilter([], ['node_modules', '*.map']);
    assert.ok(!filter.matches('node_modules/a/index.js'));
    assert.ok(!filter.matches('x/node_modules/b.js'));
    assert.ok(!filter.matches('dist/app.js.map'));
    assert.ok(filter.matches('dist/app.js'));
    assert.ok(filter.excludesFolder('node_modules'));
    assert.ok(!filter.excludesFolder('dist'));
  });

  it('accepts Windows separators and a leading "./" in patterns', () => {
    const filter = new PathFilter(['.\\assets\\**'], []);
    assert.ok(filter.matches('assets/app.js'));
  });

  it('lets exclude win over include', () => {
    const filter = new PathFilter(['**/*.js'], ['vendor/**']);
    assert.ok(filter.matches('src/a.js'));
    assert.ok(!filter.matches('vendor/lib.js'));
  });
});
