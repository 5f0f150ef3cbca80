import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/engine/errors.js';
import { applyGrace, GRACE_STATE_NAME, mergeGrace, parseGrace, serializeGrace } from '../../src/engine/guards/grace.js';
import { parseDuration, resolveSyncOptions } from '../../src/engine/options.js';
import { sync } from '../../src/engine/sync.js';
import type { Plan, RemoteBlob } from '../../src/engine/types.js';
import { formatGrace } from '../../src/report/lines.js';
import { MemoryDestination, MemorySource } from '../support/memory.js';

const remote = (name: string): RemoteBlob => ({ name, blobName: name, size: 1 });
const HOUR = 3_600_000;

describe('parseDuration', () => {
  it('reads 90s, 30m, 12h, 7d, fractions and 0', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 30 * 60_000);
    assert.equal(parseDuration('12h'), 12 * HOUR);
    assert.equal(parseDuration(' 7D '), 7 * 24 * HOUR);
    assert.equal(parseDuration('1.5h'), 1.5 * HOUR);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration(undefined), 0);
    assert.equal(resolveSyncOptions({ source: 'x' }).deleteGraceMs, 0, 'the default deletes at once');
    assert.deepEqual(
      ['90s', '30m', '12h', '7d'].map((text) => formatGrace(parseDuration(text))),
      ['90s', '30m', '12h', '7d'],
    );
  });

  for (const bad of ['7', '7 days', '-1h', '1w', 'h', '400d']) {
    it(`refuses "${bad}" naming the option`, () => {
      assert.throws(
        () => resolveSyncOptions({ source: 'x', deleteGrace: bad }),
        (error: unknown) => error instanceof UsageError && /90s, 30m, 12h or 7d/.test(error.hint ?? ''),
      );
    });
  }
});

describe('applyGrace', () => {
  const plan = (deletes: string[], present: string[] = []): Plan => ({
    upload: [],
    updateHeaders: [],
    skip: present.map((name) => ({ name, size: 1 })),
    delete: deletes.map(remote),
    remoteInScope: deletes.length + present.length,
  });
  const listed = (...names: string[]) => new Map(names.map((name) => [name, remote(name)]));

  it('keeps what is newly absent, deletes what has been absent for the grace, and forgets what came back or is gone', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    const state = new Map([
      ['old.js', now - 2 * HOUR], // absent for longer than the grace
      ['recent.js', now - HOUR / 2],
      ['back.js', now - 2 * HOUR], // in the source again
      ['vanished.js', now - HOUR], // deleted by someone else meanwhile
    ]);
    const { plan: graced, changes } = applyGrace(
      plan(['old.js', 'recent.js', 'new.js'], ['back.js']),
      state,
      listed('old.js', 'recent.js', 'new.js', 'back.js'),
      HOUR,
      now,
    );
    assert.deepEqual(
      graced.delete.map((r) => r.name),
      ['old.js'],
    );
    assert.deepEqual(
      graced.kept?.map((k) => [k.remote.name, k.goesAt - now]),
      [
        ['recent.js', HOUR / 2],
        ['new.js', HOUR],
      ],
      'soonest first',
    );
    assert.deepEqual([...changes.added], [['new.js', now]]);
    assert.deepEqual([...changes.removed].sort(), ['back.js', 'vanished.js']);
  });

  it('merges another run’s state: removals apply, the earliest absence wins', () => {
    const merged = mergeGrace(
      new Map([
        ['a', 5],
        ['b', 9],
        ['c', 1],
      ]),
      {
        added: new Map([
          ['b', 7],
          ['d', 8],
        ]),
        removed: new Set(['c']),
      },
    );
    assert.deepEqual([...merged].sort(), [
      ['a', 5],
      ['b', 7],
      ['d', 8],
    ]);
  });

  it('round-trips the state blob and treats a damaged one as empty', () => {
    const state = new Map([['assets/x.js', Date.parse('2026-01-10T12:00:00.000Z')]]);
    assert.deepEqual(parseGrace(serializeGrace(state)), { state, damaged: false });
    assert.deepEqual(parseGrace(Buffer.from('{"version":1,"absentSince":{"a":"yesterday"}}')).damaged, true);
    assert.deepEqual(parseGrace(Buffer.from('{not json')).state, new Map());
  });
});

describe('the delete grace on an in-memory destination', () => {
  const options = (more = {}) =>
    resolveSyncOptions({ source: 'memory', concurrency: '4', deleteDestination: true, deleteGrace: '1h', ...more });

  it('re-reads the state and applies its changes when another run wrote it first, losing neither', async () => {
    const destination = new MemoryDestination();
    for (const name of ['index.html', 'a.js', 'b.js']) destination.seed(name, name);
    let raced = false;
    destination.beforeCall = (op) => {
      // Another run records its own absent blob between this run's read and its write.
      if (op === 'writeState' && !raced) {
        raced = true;
        destination.seed(GRACE_STATE_NAME, '{"version":1,"absentSince":{"other.js":"2026-01-01T00:00:00.000Z"}}');
      }
    };
    const summary = await sync(options(), { source: new MemorySource({ 'index.html': 'index.html' }), destination });
    assert.equal(summary.deleteGrace?.state, 'saved');
    assert.equal(summary.deleteGrace?.kept, 2);
    const saved = parseGrace(destination.blobs.get(GRACE_STATE_NAME)!.content).state;
    assert.deepEqual([...saved.keys()].sort(), ['a.js', 'b.js', 'other.js']);
    assert.equal(destination.calls('writeState').length, 2, 'one conflict, one write after re-reading');
    assert.equal(destination.calls('readState').length, 2);
  });

  it('costs one read and no write when nothing changed, and fails source files in a tool-state folder', async () => {
    const destination = new MemoryDestination();
    destination.seed('index.html', 'index.html', { contentType: 'text/html; charset=utf-8' });
    const deeper = 'docs/.azure-blob-sync/deploy.json';
    const source = new MemorySource({ 'index.html': 'index.html', [GRACE_STATE_NAME]: '{}', [deeper]: '{}' });
    const summary = await sync(options(), { source, destination });
    const reserved = /^\.azure-blob-sync\/ folders are reserved for this tool's own state .*exclude the file/;
    assert.deepEqual(
      summary.failures.map((failure) => failure.name),
      [GRACE_STATE_NAME, deeper],
    );
    for (const failure of summary.failures) assert.match(failure.reason, reserved);
    assert.deepEqual(
      destination.operations.map((o) => o.op),
      ['list', 'readState'],
    );
    assert.equal(summary.deleteGrace?.state, 'unchanged');
  });
});
