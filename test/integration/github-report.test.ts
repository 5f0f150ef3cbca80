import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Plan, Progress } from '../../src/engine/types.js';
import { actionEvents } from '../../src/platform/github/report.js';

/** What the events print (workflow commands included), with the clock under the test's control. */
function capture(run: (events: ReturnType<typeof actionEvents>, tick: (ms: number) => void) => void): string[] {
  let now = 1_000_000;
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split(/\r?\n/).filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    run(
      actionEvents(false, () => now),
      (ms) => (now += ms),
    );
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

const progress = (done: number): Progress => ({
  phase: 'upload',
  done,
  total: 100,
  bytesDone: done * 1024,
  bytesTotal: 100 * 1024,
});

describe('GitHub Action log lines', () => {
  it('prints a progress line at most every 5 seconds, none at the end', () => {
    const lines = capture((events, tick) => {
      for (let done = 1; done <= 100; done++) {
        tick(200); // 100 events over 20 s
        events.progress?.(progress(done));
      }
    });
    assert.deepEqual(lines, [
      '25% upload: 25/100 files, 25.0 KB of 100.0 KB (5.00 KB/s)',
      '50% upload: 50/100 files, 50.0 KB of 100.0 KB (5.00 KB/s)',
      '75% upload: 75/100 files, 75.0 KB of 100.0 KB (5.00 KB/s)',
    ]);
  });

  it('groups changed files, keeps unchanged ones at debug level, and turns warnings into annotations', () => {
    const plan = { upload: [{}], updateHeaders: [], skip: [{}], delete: [{}], remoteInScope: 2 } as unknown as Plan;
    const lines = capture((events) => {
      events.plan?.(plan);
      events.file?.({ action: 'skipped', name: 'same.css', bytes: 1 });
      events.file?.({ action: 'uploaded', name: 'a b%.html', bytes: 2048, reason: 'new' });
      events.file?.({ action: 'failed', name: 'x.bin', bytes: 0, reason: '500 InternalError: boom' });
      events.file?.({ action: 'deleted', name: 'old.html', bytes: 0 });
      events.warning?.('1 file(s) failed, so none of the 1 extra blob(s) were deleted.');
      events.finish();
    });
    assert.deepEqual(lines, [
      'Plan: 1 to upload, 0 to update, 1 unchanged, 1 to delete.',
      '::debug::unchanged same.css',
      '::group::Changed files',
      'uploaded  a b%.html (2.00 KB, new)',
      'FAILED    x.bin: 500 InternalError: boom',
      'deleted   old.html',
      '::warning::1 file(s) failed, so none of the 1 extra blob(s) were deleted.',
      '::endgroup::',
    ]);
  });
});
