import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdaptiveLimit, limitFor, START_LIMIT } from '../../src/engine/transfer/adaptive-limit.js';

/** A clock the test moves by hand. */
function clock() {
  let now = 0;
  return { now: () => now, tick: (ms = 1) => (now += ms) };
}

/** Parks `count` tasks in the limit; each resolves when the test says so. Tracks how many run at once. */
function park(limit: AdaptiveLimit, count: number) {
  const state = { running: 0, most: 0, started: [] as number[], release: [] as (() => void)[] };
  const done = Array.from({ length: count }, (_, i) =>
    limit.run(async () => {
      state.running++;
      state.most = Math.max(state.most, state.running);
      state.started.push(i);
      await new Promise<void>((resolve) => state.release.push(resolve));
      state.running--;
    }),
  );
  return { state, done: Promise.all(done) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('AdaptiveLimit', () => {
  it('starts at the start limit, or at the ceiling when that is lower', () => {
    assert.equal(new AdaptiveLimit(64).limit, START_LIMIT);
    assert.equal(new AdaptiveLimit(4).limit, 4);
  });

  it('starts at the ceiling for ends that report no load (nothing would raise it)', () => {
    assert.equal(limitFor(64, false).limit, 64);
    assert.equal(limitFor(64, true).limit, START_LIMIT);
  });

  it('runs no more at once than the limit, first come first served', async () => {
    const limit = new AdaptiveLimit(3);
    const { state, done } = park(limit, 10);
    await turn();
    assert.deepEqual(state.started, [0, 1, 2]);
    while (state.release.length > 0) {
      state.release.shift()!();
      await turn();
    }
    await done;
    assert.equal(state.most, 3);
    assert.deepEqual(state.started, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('doubles while demand presses on it (one more a healthy answer), up to the ceiling and no further', async () => {
    const limit = new AdaptiveLimit(40);
    const { state } = park(limit, 100);
    await turn();
    for (let i = 0; i < 10; i++) limit.healthy();
    assert.equal(limit.limit, START_LIMIT + 10);
    await turn();
    assert.equal(state.running, START_LIMIT + 10, 'the queued work started as the limit rose');
    for (let i = 0; i < 100; i++) limit.healthy();
    assert.equal(limit.limit, 40, 'never above the ceiling');
  });

  it('does not grow a limit that no queued work presses on', () => {
    const limit = new AdaptiveLimit(64);
    for (let i = 0; i < 100; i++) limit.healthy();
    assert.equal(limit.limit, START_LIMIT);
  });

  it('cuts to 70 % on a busy answer, once for all the tries sent before the cut', () => {
    const time = clock();
    const limit = new AdaptiveLimit(64, { now: time.now });
    const sentBefore = time.now();
    time.tick();
    limit.busy(sentBefore);
    assert.equal(limit.limit, Math.floor(START_LIMIT * 0.7));
    for (let i = 0; i < 20; i++) limit.busy(sentBefore);
    assert.equal(limit.limit, Math.floor(START_LIMIT * 0.7), 'answers to earlier tries do not cut again');
    time.tick();
    limit.busy(time.now());
    assert.equal(limit.limit, Math.floor(Math.floor(START_LIMIT * 0.7) * 0.7), 'a try sent after the cut does');
    assert.deepEqual(limit.stats, { busy: 22, cuts: 2, lowest: limit.limit });
  });

  it('after a cut, grows by one a round of healthy answers', async () => {
    const time = clock();
    const limit = new AdaptiveLimit(64, { now: time.now });
    park(limit, 200);
    await turn();
    limit.busy(time.now());
    const cut = limit.limit;
    for (let i = 0; i < cut - 1; i++) limit.healthy();
    assert.equal(limit.limit, cut, 'not before a whole round');
    limit.healthy();
    assert.equal(limit.limit, cut + 1);
    for (let i = 0; i < cut + 1; i++) limit.healthy();
    assert.equal(limit.limit, cut + 2);
  });

  it('never goes below one', () => {
    const time = clock();
    const limit = new AdaptiveLimit(64, { now: time.now });
    for (let i = 0; i < 50; i++) {
      time.tick();
      limit.busy(time.now());
    }
    assert.equal(limit.limit, 1);
  });

  it('holds a service that takes 16 at once near 16: few busy answers, most of the time at 11 or more', async () => {
    // A toy service: tries beyond 16 in flight are answered busy; every try takes one tick.
    const time = clock();
    const limit = new AdaptiveLimit(64, { now: time.now });
    let inFlight = 0;
    let tries = 0;
    let busy = 0;
    const samples: number[] = [];
    const request = async (): Promise<void> => {
      const sentAt = time.now();
      tries++;
      inFlight++;
      await turn();
      const refused = inFlight > 16;
      inFlight--;
      if (refused) {
        busy++;
        limit.busy(sentAt);
        await turn();
        return request();
      }
      limit.healthy();
    };
    const work = Array.from({ length: 3000 }, () =>
      limit.run(async () => {
        samples.push(limit.limit);
        time.tick();
        await request();
      }),
    );
    await Promise.all(work);
    assert.ok(busy / tries < 0.05, `${busy} of ${tries} tries were answered busy`);
    const low = samples.filter((value) => value < 11).length;
    assert.ok(low / samples.length < 0.05, `${low} of ${samples.length} starts under 11`);
  });
});
