import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunSummary } from '../../src/deploy/types.js';
import { summaryMarkdown } from '../../src/report/markdown.js';
import { summaryText } from '../../src/report/text.js';

const MiB = 1024 * 1024;

function summary(more: Partial<RunSummary>): RunSummary {
  return {
    source: 'exports',
    destination: 'https://acct.blob.core.windows.net/nightly',
    dryRun: false,
    uploaded: 1,
    updated: 0,
    skipped: 0,
    deleted: 0,
    failed: 0,
    bytesUploaded: 64 * MiB,
    bytesSent: 64 * MiB,
    bytesResumed: 0,
    conflicts: 0,
    durationMs: 2000,
    throughput: 32 * MiB,
    failures: [],
    copied: 0,
    bytesCopied: 0,
    downloaded: 0,
    bytesDownloaded: 0,
    transfer: 'upload',
    uploadedByExtension: [],
    ...more,
  };
}

describe('the summaries of resumed uploads and immutable releases', () => {
  it('say how much was sent and how much resumed, only when something was resumed', () => {
    const resumed = summary({ bytesSent: 24 * MiB, bytesResumed: 40 * MiB });
    assert.match(
      summaryText(resumed)[1]!,
      /uploaded +1 +\(64\.0 MB; 24\.0 MB sent, 40\.0 MB resumed from blocks an interrupted run had staged\)/,
    );
    assert.match(
      summaryMarkdown(resumed),
      /^24\.0 MB sent, 40\.0 MB resumed from blocks an interrupted run had staged\.$/m,
    );
    assert.doesNotMatch(summaryText(summary({})).join('\n'), /resumed/);
    assert.doesNotMatch(summaryMarkdown(summary({})), /resumed/);
  });

  it('say why an immutable release failed', () => {
    const refused = summary({ failed: 1, conflicts: 1, failures: [{ name: 'notes.txt', reason: 'differs' }] });
    assert.match(
      summaryText(refused).join('\n'),
      /1 file\(s\) differ from the blobs already there; the destination is immutable/,
    );
    assert.match(summaryMarkdown(refused), /> ⛔ 1 file\(s\) differ from the blobs already there/);
    assert.doesNotMatch(summaryMarkdown(summary({ failed: 1 })), /immutable/);
  });
});
