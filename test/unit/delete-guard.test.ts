import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enforceDeleteDecision, weighDeletes } from '../../src/engine/guards/deletes.js';
import { GuardError } from '../../src/engine/errors.js';
import type { Plan, RemoteBlob, UploadReason } from '../../src/engine/types.js';
import { deleteDecisionLine } from '../../src/report/lines.js';

const blob = (name: string): RemoteBlob => ({ name, blobName: name, size: 1 });

/** A plan with these counts; only the counts matter to the guard. */
function plan(counts: { deployed: number; deleting: number; uploads?: UploadReason[]; skip?: number }): Plan {
  const local = { name: 'x', size: 1 };
  const headers = { contentType: 'text/plain' };
  return {
    upload: (counts.uploads ?? []).map((reason) => ({ local, blobName: 'x', headers, reason })),
    updateHeaders: [],
    skip: Array.from({ length: counts.skip ?? 0 }, () => local),
    delete: Array.from({ length: counts.deleting }, (_, i) => blob(`d${i}`)),
    remoteInScope: counts.deployed,
  };
}

const options = { force: false, deleteThreshold: 0.5 };

describe('weighDeletes', () => {
  it('counts only new names as added: a re-upload of an existing blob does not offset a delete', () => {
    const always = weighDeletes(plan({ deployed: 4, deleting: 3, uploads: ['always'] }), options);
    assert.deepEqual([always.remaining, always.shrink, always.verdict], [1, 0.75, 'refused']);
    const renamed = weighDeletes(plan({ deployed: 4, deleting: 3, uploads: ['new', 'new', 'new'], skip: 1 }), options);
    assert.deepEqual([renamed.remaining, renamed.shrink, renamed.verdict], [4, 0, 'allowed']);
  });

  it('allows exactly the threshold and refuses beyond it unless forced', () => {
    assert.equal(weighDeletes(plan({ deployed: 4, deleting: 2, skip: 2 }), options).verdict, 'allowed');
    const beyond = plan({ deployed: 4, deleting: 3, skip: 1 });
    assert.equal(weighDeletes(beyond, options).verdict, 'refused');
    assert.equal(weighDeletes(beyond, { ...options, force: true }).verdict, 'forced');
    assert.equal(weighDeletes(beyond, { ...options, deleteThreshold: 0.75 }).verdict, 'allowed');
    assert.throws(() => enforceDeleteDecision(weighDeletes(beyond, options)), GuardError);
  });

  it('says what it decided in one line', () => {
    const line = deleteDecisionLine(
      weighDeletes(plan({ deployed: 25, deleting: 20, uploads: Array(20).fill('new'), skip: 5 }), options),
    );
    assert.equal(
      line,
      'Delete guard: 20 of the 25 blobs in scope to delete; the source has 25 files and 25 blobs would remain (no fewer than deployed), within the 50% threshold: allowed.',
    );
  });
});
