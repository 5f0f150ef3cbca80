import type { Plan, SourceEntry, UploadReason } from '../types.js';

const WHY: Record<Exclude<UploadReason, 'new'>, string> = {
  changed: 'differs from the blob already there',
  encoding: 'the blob already there was stored under another compress rule',
  always: 'a blob of that name is already there',
};

/**
 * --immutable: a release folder, once written, stays as it is. What the plan would replace (a changed file) or update
 * (other headers) is refused instead: it fails the run, named, and nothing is written for it. A file whose blob has
 * the same content and headers was skipped by the diff, so re-running a release passes. New files stay in the plan
 * (they are written only while no blob of that name exists, see transfer.ts).
 */
export function refuseReplacements<E extends SourceEntry>(plan: Plan<E>): Plan<E> {
  const refused = [...(plan.refused ?? [])];
  const upload = plan.upload.filter((item) => {
    if (item.reason === 'new') return true;
    refused.push({ local: item.local, blobName: item.blobName, reason: `${WHY[item.reason]}; ${LEFT_ALONE}` });
    return false;
  });
  for (const item of plan.updateHeaders) {
    refused.push({
      local: item.local,
      blobName: item.remote.blobName,
      reason: `same content, but the header rules give other headers (Content-Type, Cache-Control) than the blob has; ${LEFT_ALONE}`,
    });
  }
  return { ...plan, upload, updateHeaders: [], refused };
}

const LEFT_ALONE = 'left as it is, the destination being immutable';
