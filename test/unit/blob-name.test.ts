import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blobNameProblem, serviceName, unsafeBlobName } from '../../src/engine/names/blob-name.js';
import { addressablePath, blobUrl, blobUrlPath } from '../../src/storage/blob-url.js';

// The one check every name a run writes, copies, updates or deletes passes (src/engine/names/blob-name.ts), and the one
// function that turns a name into a URL path (src/storage/blob-url.ts).

const UNSAFE = [
  '..',
  '.',
  '../x',
  './x',
  'docs/../../victim/index.html',
  'a/./b',
  'a/..',
  'a/.',
  '/x',
  'a//b',
  '',
  serviceName('..\\..\\victim\\index.html'),
  serviceName('docs\\.\\x'),
  // The same names as given, before the scan reads '\\' as '/': a check that trusted its caller would pass them.
  '..\\..\\victim\\index.html',
  'docs\\.\\x',
  'a\\\\b',
  '\\x',
];
const SAFE = [
  'index.html',
  '.well-known/security.txt',
  'a/.hidden',
  'a/..b',
  'a/b..',
  '...',
  'a/.../b',
  '%2e%2e/x',
  'a/%2E/b',
  '.%2e/x',
  '100% #1?.html',
  'spaced name/é ü 中文/🙂.txt',
  'x'.repeat(1024),
];

describe('blob names', () => {
  it('calls every name with an empty, "." or ".." segment unsafe, after "\\" is read as "/"', () => {
    for (const name of UNSAFE) assert.ok(unsafeBlobName(name), `${JSON.stringify(name)} is unsafe`);
    assert.match(
      unsafeBlobName('docs/../../victim/x')!,
      /"\.\." segment .* outside its folder, even in another container/,
    );
    assert.match(unsafeBlobName('a/./b')!, /"\." segment/);
    assert.match(unsafeBlobName('a//b')!, /empty segment/);
  });

  it('lets through names whose dots or percent signs no URL parser resolves', () => {
    for (const name of SAFE) assert.equal(unsafeBlobName(name), undefined, JSON.stringify(name));
    assert.match(unsafeBlobName('x'.repeat(1025))!, /1025 characters long/);
  });

  it('refuses to write names the service would alter, on top of the unsafe ones', () => {
    assert.equal(blobNameProblem('ok/name.txt'), undefined);
    assert.match(blobNameProblem('trailing.')!, /trailing "\."/);
    assert.match(blobNameProblem('notes/')!, /folder marker/);
    for (const name of UNSAFE) assert.ok(blobNameProblem(name), JSON.stringify(name));
    // A trailing '.' is no danger to address (a listed blob of that name may still be deleted).
    assert.equal(unsafeBlobName('trailing.'), undefined);
  });
});

describe('blob URL paths', () => {
  it("encodes each segment as the SDK's clients send it, '/' kept", () => {
    assert.equal(blobUrlPath('my site/v 1'), 'my%20site/v%201');
    assert.equal(blobUrlPath('100% #1?.html'), '100%25%20%231%3F.html');
    assert.equal(blobUrlPath("it's"), 'it%27s');
    assert.equal(blobUrlPath('%2e%2e/x'), '%252e%252e/x');
    assert.equal(blobUrlPath('a\\b'), 'a%5Cb');
  });

  it("refuses to build a URL for an unsafe name, and keeps the container URL's query", () => {
    for (const name of UNSAFE) assert.throws(() => addressablePath(name), /refused to address the blob/);
    assert.equal(
      blobUrl('https://a.blob.core.windows.net/c?sv=1&sig=x', 'd/e f'),
      'https://a.blob.core.windows.net/c/d/e%20f?sv=1&sig=x',
    );
    assert.equal(
      blobUrl('http://127.0.0.1:10000/devstoreaccount1/c/', 'x'),
      'http://127.0.0.1:10000/devstoreaccount1/c/x',
    );
  });

  it('names, for every safe name, the blob a URL parser leaves as it is', () => {
    for (const name of SAFE) {
      const url = new URL(blobUrl('https://a.blob.core.windows.net/c', name));
      const segments = url.pathname.split('/').slice(2).map(decodeURIComponent);
      assert.equal(segments.join('/'), name, JSON.stringify(name));
    }
  });
});
