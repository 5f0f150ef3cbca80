import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BandwidthCap, type CapClock, pacedDestination } from '../../src/engine/transfer/bandwidth.js';
import { MemoryDestination } from '../support/memory.js';

/** A clock the test sets; a sleep is recorded and returns at once, so a take's release time is `now + slept`. */
function manualClock() {
  const state = { now: 0, slept: 0 };
  const clock: CapClock = {
    now: () => state.now,
    sleep: async (ms) => {
      state.slept = ms;
    },
  };
  /** When a take asked for at `at` may send its bytes. */
  const releaseAt = async (cap: BandwidthCap, at: number, bytes: number) => {
    state.now = at;
    state.slept = 0;
    await cap.take(bytes);
    return at + state.slept;
  };
  return { clock, releaseAt };
}

describe('BandwidthCap', () => {
  it('counts megabits as AzCopy does: 40 Mbps is 5,000,000 bytes a second', () => {
    assert.equal(BandwidthCap.megabits(40).bytesPerSecond, 5_000_000);
    assert.equal(BandwidthCap.megabits(0.5).bytesPerSecond, 62_500);
  });

  it('starts empty: the first bytes are paid for before they go', async () => {
    const { clock, releaseAt } = manualClock();
    const cap = new BandwidthCap(1_000_000, clock);
    assert.equal(await releaseAt(cap, 0, 500_000), 500);
  });

  it('lets takers go in the order they asked, each when the rate has paid for everything before it', async () => {
    const { clock, releaseAt } = manualClock();
    const cap = new BandwidthCap(1_000_000, clock);
    // Five 8 MB bodies asked for at once (say, five blocks): released 8 s apart, the last after 40 s.
    const released = [];
    for (let i = 0; i < 5; i++) released.push(await releaseAt(cap, 0, 8_000_000));
    assert.deepEqual(released, [8000, 16000, 24000, 32000, 40000]);
  });

  it('saves up at most half a second while idle', async () => {
    const { clock, releaseAt } = manualClock();
    const cap = new BandwidthCap(1_000_000, clock);
    await releaseAt(cap, 0, 0);
    assert.equal(await releaseAt(cap, 60_000, 500_000), 60_000, 'half a second saved goes at once');
    assert.equal(await releaseAt(cap, 60_000, 1_000_000), 61_000, 'the rest waits for the rate');
  });

  it('keeps every window of three seconds under the rate (plus the burst), whatever the takers ask for', async () => {
    const { clock, releaseAt } = manualClock();
    const rate = 2_000_000;
    const cap = new BandwidthCap(rate, clock);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const releases: { at: number; bytes: number }[] = [];
    let asked = 0;
    for (let i = 0; i < 400; i++) {
      asked += random() * 400;
      const bytes = Math.floor(random() * 1_500_000);
      releases.push({ at: await releaseAt(cap, asked, bytes), bytes });
    }
    for (const { at: start } of releases) {
      const sent = releases.filter((r) => r.at >= start && r.at < start + 3000).reduce((sum, r) => sum + r.bytes, 0);
      // Bytes released in the window: paid by three seconds of rate, the half second saved, and the debt of the one
      // release that opens it (paid for before the window).
      const largest = Math.max(...releases.map((r) => r.bytes));
      assert.ok(sent <= rate * 3 + rate * 0.5 + largest, `${sent} bytes released in 3 s from ${start} ms`);
    }
    const total = releases.reduce((sum, r) => sum + r.bytes, 0);
    const span = releases.at(-1)!.at - releases[0]!.at;
    assert.ok(total / (span / 1000) <= rate * 1.05, 'the long-run average is the rate');
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new BandwidthCap(0), RangeError);
    assert.throws(() => new BandwidthCap(Number.NaN), RangeError);
  });
});

describe('pacedDestination', () => {
  it('pays for every body before it is sent (puts, blocks, copies by size), and leaves the rest as it is', async () => {
    const taken: number[] = [];
    const cap = { take: async (bytes: number) => void taken.push(bytes) } as BandwidthCap;
    const destination = new MemoryDestination();
    const paced = pacedDestination(destination, cap);
    await paced.put('a.txt', Buffer.from('hello'), { contentType: 'text/plain' });
    await paced.stage('b.bin', 'YQ==', Buffer.alloc(1000));
    await paced
      .copyFrom('c.bin', {
        source: { url: 'memory://nowhere/c.bin', headers: { contentType: 'x/y' } },
        size: 4321,
        headers: { contentType: 'x/y' },
      })
      .catch(() => undefined);
    await paced.list(() => undefined);
    assert.deepEqual(taken, [5, 1000, 4321]);
    assert.equal(paced.label, destination.label);
    assert.deepEqual(
      destination.operations.map((op) => op.op),
      ['put', 'stage', 'copy', 'list'],
    );
  });
});
