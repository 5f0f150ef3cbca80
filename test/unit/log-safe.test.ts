import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logSafe } from '../../src/report/log-safe.js';

describe('logSafe', () => {
  it('leaves an ordinary line alone, tabs, unicode and single colons or hashes included', () => {
    for (const line of ['uploaded  docs/a b.html (1.2 KB, new)', 'café/日本語.txt\tx', 'a::b', '# heading', 'x #[1]']) {
      assert.equal(logSafe(line), line);
    }
  });

  it('shows line breaks and other control characters as escapes, so a name cannot start a line', () => {
    assert.equal(logSafe('uploaded x\n::add-mask::y'), 'uploaded x\\u000a::add-mask::y');
    assert.equal(logSafe('a\r\nb'), 'a\\u000d\\u000ab');
    assert.equal(logSafe('a\u001b[2Kb\u0000c\u0085d\u2028e'), 'a\\u001b[2Kb\\u0000c\\u0085d\\u2028e');
  });

  it("breaks the agent's commands anywhere in a line and the runner's at its start", () => {
    assert.equal(
      logSafe('uploaded ##vso[task.setvariable variable=x]y'),
      'uploaded #\\u0023vso[task.setvariable variable=x]y',
    );
    assert.equal(logSafe('##[error]x ##VSO[task.complete]'), '#\\u0023[error]x #\\u0023VSO[task.complete]');
    assert.equal(logSafe('::stop-commands::t'), '\\u003a:stop-commands::t');
    assert.equal(logSafe('  ::warning::t'), '  \\u003a:warning::t');
  });

  it('leaves nothing a log would read as a command in any line it prints', () => {
    const hostile = ['\n::set-env name=A::b', '\r##vso[task.complete result=Failed]', '\u2028::error::x', '##[group]'];
    for (const name of hostile) {
      for (const printed of logSafe(`x ${name}`).split(/\r\n|\r|\n/)) {
        assert.ok(!/^\s*::/.test(printed) && !/##(vso)?\[/i.test(printed), JSON.stringify(printed));
      }
    }
  });
});
