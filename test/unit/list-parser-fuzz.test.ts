import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEED } from '../support/list-parser-fuzz.js';

// The fuzz runs in a child process with a deadline: a reader stuck in a loop blocks its own thread, which no test
// timeout can interrupt. FUZZ_SEED=n runs another seed.
const SEED = Number(process.env['FUZZ_SEED'] ?? DEFAULT_SEED);
const DEADLINE_MS = 60_000;
const FUZZ = fileURLToPath(new URL('../support/list-parser-fuzz.ts', import.meta.url));

describe('fuzzing the List Blobs reader', () => {
  it(`reads generated pages whole and cut anywhere, and refuses or agrees on mutated ones (seed ${SEED})`, () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', FUZZ, String(SEED)], {
      encoding: 'utf8',
      timeout: DEADLINE_MS,
    });
    const lastPage = result.stdout.trim().split('\n').at(-1);
    assert.equal(result.signal, null, `no response within ${DEADLINE_MS / 1000} s, at ${lastPage}: the reader hangs`);
    assert.equal(result.status, 0, result.stderr.slice(-4000));
    assert.match(result.stdout, new RegExp(`seed ${SEED}: passed`));
  });
});
