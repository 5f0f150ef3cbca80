import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useAzurite } from '../support/azurite.js';
import { runCli } from '../support/cli.js';
import { assertContainerMatches, fileLines, jsonSummary, sourceState } from '../support/convergence.js';
import {
  COMMIT_BLOCKS,
  connectionStringVia,
  type FaultProxy,
  type FaultRule,
  type RecordedRequest,
  STAGE_BLOCK,
  startFaultProxy,
} from '../support/fault-proxy.js';
import { makeTree, pseudoRandomBytes } from '../support/files.js';

const azurite = useAzurite();
const MiB = 1024 * 1024;

/** 40 small files in nested folders and one file of three blocks. */
function siteTree(): string {
  const files: Record<string, Buffer> = { 'media/big.bin': pseudoRandomBytes(20 * MiB, 7) };
  for (let i = 0; i < 40; i++) files[`pages/${i % 4}/page-${i}.html`] = pseudoRandomBytes(2000 + i * 50, i + 1);
  return makeTree(files);
}

describe('faults that heal', () => {
  let proxy: FaultProxy;
  before(async () => {
    proxy = await startFaultProxy(azurite.azurite.serviceUrl, 1234);
  });
  after(() => proxy.stop());

  const runThroughProxy = (source: string, container: string, ...flags: string[]) =>
    runCli([source, '--container', container, '--json', '--timeout', '1', ...flags], {
      timeoutMs: 60_000,
      env: {
        AZURE_STORAGE_CONNECTION_STRING: connectionStringVia(proxy, azurite.azurite),
      },
    });

  const cases: [string, FaultRule[]][] = [
    [
      '503 and 500 on a fifth of all requests',
      [
        { probability: 0.1, fault: { kind: 'status', status: 503, code: 'ServerBusy' } },
        { probability: 0.1, fault: { kind: 'status', status: 500 } },
      ],
    ],
    [
      '429 with Retry-After',
      [{ probability: 0.25, times: 8, fault: { kind: 'status', status: 429, retryAfterSeconds: 1 } }],
    ],
    [
      'connections reset mid-body and mid-response',
      [
        { method: 'PUT', probability: 0.2, times: 6, fault: { kind: 'reset-request' } },
        { method: 'PUT', query: STAGE_BLOCK, times: 1, fault: { kind: 'reset-response' } },
        { method: 'PUT', query: COMMIT_BLOCKS, times: 1, fault: { kind: 'reset-response' } },
        { method: 'GET', times: 1, fault: { kind: 'reset-response' } },
      ],
    ],
    [
      'answers delayed past the client timeout',
      [
        { method: 'PUT', probability: 0.1, times: 4, fault: { kind: 'delay', ms: 2500, afterUpstream: true } },
        { method: 'PUT', query: STAGE_BLOCK, times: 1, fault: { kind: 'delay', ms: 2500 } },
        { method: 'GET', times: 1, fault: { kind: 'delay', ms: 2500 } },
      ],
    ],
  ];

  for (const [label, rules] of cases) {
    it(`converges despite ${label}, counting each file once`, async () => {
      const source = siteTree();
      const container = await azurite.newContainer();
      proxy.setRules(rules);
      const seen = proxy.requests.length;
      const result = await runThroughProxy(source, container.containerName);
      proxy.setRules([]);

      const sent = proxy.requests.slice(seen);
      const injected = sent.filter((r) => r.fault).length;
      assert.ok(injected > 0, 'the proxy injected at least one fault');
      const same = (a: RecordedRequest, b: RecordedRequest) =>
        a.method === b.method && a.blob === b.blob && a.query === b.query;
      const advised = rules.find((r) => r.fault.kind === 'status' && r.fault.retryAfterSeconds)?.fault;
      sent.forEach((request, i) => {
        const retry = sent.slice(i + 1).find((later) => same(later, request));
        if (request.fault === 'status' && advised?.kind === 'status' && retry) {
          const waited = retry.at - request.at;
          assert.ok(waited >= advised.retryAfterSeconds! * 1000 - 50, `waited ${waited} ms as Retry-After asked`);
        }
        if (request.fault)
          assert.ok(
            sent.slice(i + 1).some((later) => same(later, request)),
            `the faulted request was retried: ${JSON.stringify(request)}\n${result.stderr}`,
          );
      });
      assert.equal(result.code, 0, `${result.stderr}\n(${injected} faults injected)`);
      const summary = jsonSummary(result);
      const files = sourceState(source);
      assert.deepEqual([summary.uploaded, summary.failed, summary.skipped], [files.size, 0, 0]);
      const lines = fileLines(result.stderr, 'uploaded');
      assert.deepEqual([...lines.keys()].sort(), [...files.keys()].sort());
      assert.ok(
        [...lines.values()].every((n) => n === 1),
        'one line per file',
      );
      await assertContainerMatches(container, files);

      const again = await runThroughProxy(source, container.containerName);
      assert.equal(again.code, 0, again.stderr);
      assert.deepEqual([jsonSummary(again).uploaded, jsonSummary(again).skipped], [0, files.size]);
    });
  }

  it('asks again for a listing whose answer broke off or stalled midway, counting each blob once', async () => {
    const source = siteTree();
    const container = await azurite.newContainer();
    assert.equal((await runThroughProxy(source, container.containerName)).code, 0);
    writeFileSync(path.join(source, 'pages/0/page-0.html'), 'changed');
    const LIST = /(^|&)comp=list(&|$)/;
    proxy.setRules([
      { method: 'GET', query: LIST, times: 1, fault: { kind: 'cut-body' } },
      { method: 'GET', query: LIST, times: 1, fault: { kind: 'stall-body', ms: 2500 } },
    ]);
    const seen = proxy.requests.length;
    const result = await runThroughProxy(source, container.containerName);
    proxy.setRules([]);

    const listings = proxy.requests.slice(seen).filter((request) => LIST.test(request.query));
    assert.deepEqual(
      listings.map((request) => request.fault ?? 'clean'),
      ['cut-body', 'stall-body', 'clean'],
    );
    assert.equal(result.code, 0, result.stderr);
    const summary = jsonSummary(result);
    const files = sourceState(source);
    assert.deepEqual([summary.uploaded, summary.failed, summary.skipped], [1, 0, files.size - 1]);
    await assertContainerMatches(container, files);
  });

  it('a listing that broke off midway counts each extra blob once: the guard and the deletes see the listing as it is', async () => {
    const source = siteTree();
    const container = await azurite.newContainer();
    assert.equal((await runThroughProxy(source, container.containerName)).code, 0);
    // Extras spread over the listing, so the half that arrived before the cut holds some of them.
    const extras = ['a-extra.txt', 'media/extra.bin', 'pages/1/extra.html', 'pages/3/zz-extra.html', 'zz-extra.txt'];
    for (const name of extras) await container.uploadBlockBlob(name, 'extra', 5);
    const LIST = /(^|&)comp=list(&|$)/;
    proxy.setRules([{ method: 'GET', query: LIST, times: 1, fault: { kind: 'cut-body' } }]);
    const seen = proxy.requests.length;
    const result = await runThroughProxy(source, container.containerName, '--delete-destination');
    proxy.setRules([]);

    const listings = proxy.requests.slice(seen).filter((request) => LIST.test(request.query));
    assert.deepEqual(
      listings.map((request) => request.fault ?? 'clean'),
      ['cut-body', 'clean'],
    );
    assert.equal(result.code, 0, result.stderr);
    const summary = jsonSummary(result);
    const files = sourceState(source);
    assert.deepEqual([summary.deleted, summary.skipped, summary.failed], [extras.length, files.size, 0]);
    assert.equal(summary.deleteGuard?.deployed, files.size + extras.length);
    assert.deepEqual(fileLines(result.stderr, 'deleted').size, extras.length);
    await assertContainerMatches(container, files);
  });
});
