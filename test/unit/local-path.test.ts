import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localPathProblem, pathClashes } from '../../src/engine/names/local-path.js';

// The one place a blob name becomes a local path (src/engine/names/local-path.ts): names are hostile input.

const linux = { platform: 'linux' as const, root: '/home/runner/work/out' };
const windows = { platform: 'win32' as const, root: 'D:\\a\\1\\s\\out' };

describe('a blob name as a local path', () => {
  it('takes ordinary and odd names that any file system holds', () => {
    for (const name of ['index.html', 'a/b/c.txt', '.well-known/x', 'sp ace/é ü 中文/🙂.txt', '100% #1?.html', 'a/...'])
      assert.equal(localPathProblem(name, linux), undefined, name);
  });

  it('refuses dot and empty segments, NUL, a backslash and absolute paths on every platform', () => {
    for (const name of ['../x', 'a/../../x', './x', 'a/./b', '/etc/passwd', 'a//b', 'nul\0.txt', 'a\\..\\b', '..'])
      for (const rules of [linux, windows])
        assert.ok(localPathProblem(name, rules), `${JSON.stringify(name)} on ${rules.platform}`);
  });

  it('refuses what Windows cannot hold, only when running there', () => {
    for (const name of [
      'CON',
      'docs/nul.txt',
      'com1',
      'Lpt9.log',
      'a:b',
      'what?',
      'x<y',
      'pipe|d',
      'star*',
      'q"t',
      'trailing.',
      'dir./x',
      'space ',
      'ctl\u0001',
    ]) {
      assert.ok(localPathProblem(name, windows), `${JSON.stringify(name)} on Windows`);
      if (!name.includes('\u0001'))
        assert.equal(localPathProblem(name, linux), undefined, `${JSON.stringify(name)} on Linux`);
    }
    assert.equal(localPathProblem('console.log', windows), undefined, 'only the device name itself is reserved');
  });

  it('refuses a segment or a path over the platform limits', () => {
    assert.match(localPathProblem(`${'x'.repeat(256)}`, linux)!, /256 bytes long/);
    assert.match(localPathProblem(`${'é'.repeat(128)}`, linux)!, /256 bytes long/, 'counted in UTF-8 bytes');
    assert.equal(localPathProblem('x'.repeat(255), linux), undefined);
    const deepRoot = { ...linux, root: `/${Array.from({ length: 18 }, () => 'r'.repeat(200)).join('/')}` };
    const name = Array.from({ length: 4 }, () => 'y'.repeat(200)).join('/');
    assert.match(localPathProblem(name, deepRoot)!, /local path would be 4422 bytes long; the limit is 4095/);
  });
});

describe('names that cannot all be files of one folder', () => {
  it('fails a file that is also a folder of other blobs, and keeps the folder', () => {
    assert.deepEqual(
      pathClashes(['a', 'a/b', 'a/c/d', 'b'], false).map((c) => c.name),
      ['a'],
    );
    assert.match(pathClashes(['a', 'a/b'], false)[0]!.reason, /both a file and a folder/);
  });

  it('fails names equal but for case only where the file system does not tell them apart', () => {
    assert.deepEqual(
      pathClashes(['README.md', 'readme.md', 'x'], true).map((c) => c.name),
      ['README.md', 'readme.md'],
    );
    assert.match(pathClashes(['README.md', 'readme.md'], true)[0]!.reason, /differs from "readme\.md" only by case/);
    assert.deepEqual(pathClashes(['README.md', 'readme.md'], false), []);
    assert.deepEqual(
      pathClashes(['Docs', 'docs/x'], true).map((c) => c.name),
      ['Docs'],
      'a file against a folder in other case',
    );
  });
});
