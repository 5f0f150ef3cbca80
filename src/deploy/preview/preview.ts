import { blobNameFor } from '../../engine/names/blob-name.js';
import { SummaryBuilder } from '../../engine/summary.js';
import type { SyncEvents, SyncOptions, SyncSummary } from '../../engine/types.js';
import type { CommentOutcome, PullRequestCommenter, PullRequestContext } from '../pr-comment/poster.js';
import { changedPages } from './changes.js';
import { commentMarker, deployedComment, removedComment } from './comment.js';
import { describeDuration } from './duration.js';
import { previewFolder, previewFolderGlob, previewParent, pullRequestOfFolder } from './folders.js';
import { type PreviewOptions, type RawPreviewOptions, resolvePreviewOptions } from './options.js';
import type { BlobFolders } from '../../storage/blob-folders.js';
import { PreviewStore } from './store.js';

/** What an entry point knows about previews: the inputs, the pull request this run builds, and how to comment on it. */
export interface PreviewRequest {
  options: RawPreviewOptions;
  /** The pull request the run builds; undefined on any other event (a production run). */
  pullRequest?: PullRequestContext;
  commenter?: PullRequestCommenter;
}

/** What a run does with previews on: sync production (previews left alone), deploy one, or remove one. */
export type PreviewPlan =
  | { kind: 'off'; options: SyncOptions }
  | { kind: 'production'; options: SyncOptions; preview: PreviewOptions }
  | {
      kind: 'deploy' | 'remove';
      /** The sync's options, into the preview folder. */
      options: SyncOptions;
      preview: PreviewOptions;
      pullRequest: PullRequestContext;
      /** The production destination path the previews sit under. */
      basePath: string;
      /** The preview folder's full path in the container. */
      folder: string;
    };

/** Checks the preview inputs and decides where this run syncs. */
export function planPreview(request: PreviewRequest | undefined, options: SyncOptions): PreviewPlan {
  const preview = resolvePreviewOptions(request?.options);
  if (!preview) return { kind: 'off', options };
  const pullRequest = request?.pullRequest;
  if (!pullRequest) {
    // A production run never deletes a preview folder, even with deletes on: the engine's protected folders.
    const protect = [...(options.protect ?? []), previewFolderGlob(preview.template)];
    return { kind: 'production', preview, options: { ...options, protect } };
  }
  const basePath = options.destinationPath;
  const folder = blobNameFor(basePath, previewFolder(preview.template, pullRequest.number));
  return {
    kind: pullRequest.closed ? 'remove' : 'deploy',
    preview,
    pullRequest,
    basePath,
    folder,
    options: { ...options, destinationPath: folder },
  };
}

/** What the entry point publishes about a preview: its URL (an output) and a section for the job summary. */
export interface PreviewReport {
  url: string;
  markdown: string;
}

export interface PreviewStep {
  plan: Extract<PreviewPlan, { kind: 'deploy' | 'remove' }>;
  /** The container, for the preview folders and their deploy records. */
  folders: BlobFolders;
  /** The container's URL, without any secret. */
  containerLabel: string;
  commenter?: PullRequestCommenter;
  log: { info(line: string): void; warning(message: string): void };
  now?: () => number;
}

/**
 * After a preview's sync: record the deploy (retention counts from it), remove previews that went without a deploy
 * for longer than the retention, and write the pull request's one comment. Nothing here fails the deploy: a step
 * that cannot be done is a warning.
 */
export async function finishPreviewDeploy(
  step: PreviewStep,
  summary: SyncSummary,
  changed: readonly string[],
): Promise<PreviewReport> {
  const { plan, log } = step;
  const now = step.now ?? Date.now;
  const store = new PreviewStore(step.folders);
  const url = previewUrl(step);
  const dryRun = summary.dryRun;
  log.info(`Preview${dryRun ? ' (dry run)' : ''}: ${url}`);
  if (!dryRun) {
    const record = { pullRequest: plan.pullRequest.number, commit: plan.pullRequest.commit, deployedAt: iso(now()) };
    await store.writeRecord(plan.folder, record).catch((error: unknown) => {
      log.warning(`Could not record the preview's deploy in ${plan.folder}: ${message(error)}`);
    });
  }
  await pruneStalePreviews(step, store, now, dryRun);

  let outcome: CommentOutcome = { status: 'skipped', note: 'Dry run: the pull request comment was not written.' };
  if (!dryRun && step.commenter) {
    const pages = changedPages(changed).map((name) => ({ name, url: pageUrl(step, url, name) }));
    const body = deployedComment({ marker: marker(step), url, commit: plan.pullRequest.commit, summary, pages });
    outcome = await step.commenter.upsert(plan.pullRequest.number, marker(step), body);
  }
  reportComment(outcome, plan.pullRequest.number, log);
  return { url, markdown: previewMarkdown('Preview', url, outcome) };
}

/** A closed pull request: everything under its preview folder is deleted (only there), and the comment says so. */
export async function removePreview(
  step: PreviewStep,
  events: SyncEvents,
  labels: { source: string; destination: string; dryRun: boolean },
): Promise<{ summary: SyncSummary; report: PreviewReport }> {
  const { plan, log } = step;
  const summary = new SummaryBuilder();
  const url = previewUrl(step);
  log.info(
    `Pull request #${plan.pullRequest.number} was closed: ${labels.dryRun ? 'would remove' : 'removing'} its preview ${url}`,
  );
  const files = await new PreviewStore(step.folders).removeFolder(plan.folder, {
    dryRun: labels.dryRun,
    removed: (name, bytes) => {
      const result = { action: 'deleted', name, bytes } as const;
      summary.record(result);
      events.file?.(result);
    },
    leftAlone: (name, reason) => log.warning(leftAloneMessage(name, reason)),
  });
  if (labels.dryRun) for (const file of files) summary.record({ action: 'deleted', ...file });
  let outcome: CommentOutcome = { status: 'skipped', note: 'Dry run: the pull request comment was not updated.' };
  if (!labels.dryRun && step.commenter) {
    const body = removedComment(marker(step), url, 'because the pull request was closed');
    outcome = await step.commenter.upsert(plan.pullRequest.number, marker(step), body);
  }
  reportComment(outcome, plan.pullRequest.number, log);
  return {
    summary: summary.build(labels),
    report: { url, markdown: previewMarkdown('Preview removed', url, outcome) },
  };
}

/** Deletes the other previews whose last deploy is older than the retention; a folder without a record is kept. */
async function pruneStalePreviews(step: PreviewStep, store: PreviewStore, now: () => number, dryRun: boolean) {
  const { plan, log } = step;
  const retention = plan.preview.retention;
  if (!retention) return;
  const parent = [plan.basePath, previewParent(plan.preview.template)].filter(Boolean).join('/');
  let folders: string[];
  try {
    folders = await store.listFolders(parent);
  } catch (error) {
    log.warning(`Could not list the previews under ${parent || 'the container root'}: ${message(error)}`);
    return;
  }
  // Each folder on its own: one that cannot be removed does not keep the others.
  for (const name of folders) {
    const folder = blobNameFor(parent, name);
    try {
      const number = pullRequestOfFolder(plan.preview.template, name);
      if (number === undefined || folder === plan.folder) continue;
      const record = await store.readRecord(folder);
      if (!record) {
        log.info(`Kept ${folder}: it has no deploy record, so its age is unknown.`);
        continue;
      }
      const age = now() - Date.parse(record.deployedAt);
      if (age <= retention.ms) continue;
      const why = `after ${describeDuration(age)} without a deploy (retention ${retention.text})`;
      if (dryRun) {
        log.info(`A real run would remove the preview ${folder}, ${why}.`);
        continue;
      }
      const files = await store.removeFolder(folder, {
        dryRun,
        leftAlone: (blobName, reason) => log.warning(leftAloneMessage(blobName, reason)),
      });
      log.info(`Removed the preview ${folder} (${files.length} file(s)), ${why}.`);
      if (step.commenter) {
        const folderStep = { ...step, plan: { ...plan, folder } };
        const body = removedComment(marker(folderStep), previewUrl(folderStep), why);
        const outcome = await step.commenter.upsert(record.pullRequest, marker(folderStep), body);
        if (outcome.status === 'skipped' && outcome.warning) log.warning(outcome.warning);
      }
    } catch (error) {
      log.warning(`Could not remove the stale preview ${folder}: ${message(error)}`);
    }
  }
}

/** A blob of a preview folder that no request may address, as a sync reports one in its destination. */
function leftAloneMessage(name: string, reason: string): string {
  return `${name}: left alone, ${reason}; it was not deleted. Rename or delete it with another tool if it should not be there.`;
}

function reportComment(outcome: CommentOutcome, pullRequest: number, log: PreviewStep['log']): void {
  if (outcome.status === 'skipped') {
    if (outcome.warning) log.warning(outcome.warning);
    if (outcome.note) log.info(outcome.note);
  } else {
    log.info(
      `${outcome.status === 'created' ? 'Commented on' : 'Updated the comment on'} pull request #${pullRequest}.`,
    );
  }
}

function previewMarkdown(title: string, url: string, outcome: CommentOutcome): string {
  const comment =
    outcome.status === 'skipped' ? (outcome.warning ?? outcome.note ?? 'No pull request comment was written.') : '';
  return [`#### ${title}`, '', url, '', ...(comment ? [`> ${comment.replace(/\n/g, ' ')}`, ''] : [])].join('\n');
}

/** The preview's address: under the site URL when given (served from the destination path), else its blob URL. */
function previewUrl(step: PreviewStep): string {
  const { plan } = step;
  if (plan.preview.siteUrl) return `${plan.preview.siteUrl}/${encodePath(relativeFolder(plan))}/`;
  return `${step.containerLabel}/${encodePath(plan.folder)}/index.html`;
}

function pageUrl(step: PreviewStep, url: string, page: string): string {
  if (!step.plan.preview.siteUrl) return `${step.containerLabel}/${encodePath(`${step.plan.folder}/${page}`)}`;
  // A static website serves a folder's index.html at the folder's URL.
  return `${url}${encodePath(page.replace(/(^|\/)index\.html?$/i, '$1'))}`;
}

function relativeFolder(plan: PreviewStep['plan']): string {
  return plan.basePath ? plan.folder.slice(plan.basePath.length + 1) : plan.folder;
}

function marker(step: PreviewStep): string {
  return commentMarker(`${step.containerLabel}/${step.plan.folder}`);
}

function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
