import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs, retrying, statusVerdict } from '../../src/storage/retry.js';
import { backoffMs } from '../../src/storage/backoff.js';

const headers = (values: Record<string, string>) => ({
  headers: { get: (name: string) => values[name.toLowerCase()] },
});

describe('retry timing', () => {
  it('takes the wait the service asked for, in whichever header it used', () => {
    assert.equal(retryAfterMs(headers({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '250' })), 250);
    assert.equal(retryAfterMs(headers({ 'x-ms-retry-after-ms': '40', 'retry-after': '9' })), 40);
    const date = retryAfterMs(headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))!;
    assert.ok(date > 3000 && date <= 5000, String(date));
    assert.equal(retryAfterMs(headers({ 'retry-after': new Date(Date.now() - 5000).toUTCString() })), 0);
  });

  it('ignores a missing or unreadable Retry-After', () => {
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs(headers({})), undefined);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' })), undefined);
  });

  it('backs off exponentially with jitter of at most a fifth', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const expected = 500 * 2 ** (attempt - 1);
      for (let i = 0; i < 50; i++) {
        const delay = backoffMs(attempt, 500);
        assert.ok(delay >= expected * 0.8 && delay <= expected * 1.2, `${attempt}: ${delay}`);
      }
    }
  });
});

describe("the retry loop's word on the service's load", () => {
  /** Runs the loop over these answers (status and error code), recording what the listener heard. */
  async function hear(answers: [number, string?][], delays = { baseDelayMs: 1, busyDelayMs: 1 }) {
    const heard: string[] = [];
    const load = {
      busy: (sentAt: number) => {
        assert.ok(sentAt <= performance.now(), 'sentAt is when the try was sent');
        heard.push('busy');
      },
      healthy: () => heard.push('healthy'),
    };
    const settings = { maxTries: answers.length, tryTimeoutMs: 1000, ...delays, maxDelayMs: 5000, load };
    let next = 0;
    const last = await retrying({
      settings,
      attempt: async () => answers[next++]!,
      judge: ([status, code]) => statusVerdict(status, headers(code ? { 'x-ms-error-code': code } : {})),
    });
    return { heard, last, tries: next };
  }

  it('hears busy for 503, 429 and 500 OperationTimedOut, and healthy for the final answer', async () => {
    const { heard, last } = await hear([[503, 'ServerBusy'], [429], [500, 'OperationTimedOut'], [201]]);
    assert.deepEqual(heard, ['busy', 'busy', 'busy', 'healthy']);
    assert.deepEqual(last, [201]);
  });

  it('hears neither for a failure that is no sign of load (500 InternalError, 502), and healthy for a 404', async () => {
    const { heard } = await hear([[500, 'InternalError'], [502], [404, 'BlobNotFound']]);
    assert.deepEqual(heard, ['healthy']);
  });

  it('waits only briefly before retrying a busy answer (the concurrency relieves the service), as long as any other', async () => {
    const delays = { baseDelayMs: 600, busyDelayMs: 1 };
    let started = performance.now();
    await hear([[503, 'ServerBusy'], [201]], delays);
    const busy = performance.now() - started;
    started = performance.now();
    await hear([[500, 'InternalError'], [201]], delays);
    const failing = performance.now() - started;
    assert.ok(busy < 250, `a busy answer was retried after ${busy} ms`);
    assert.ok(failing >= 480, `a failing answer was retried after ${failing} ms`);
  });
});
