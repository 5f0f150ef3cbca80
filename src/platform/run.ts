import { BlobFolders } from '../storage/blob-folders.js';
import { connectContainer } from '../storage/connect.js';
import type { StorageAuth } from '../auth/storage-auth.js';
import { connectSourceFolder } from '../storage/connect-source.js';
import { parseSourceUrl } from '../storage/source-url.js';
import { isContainerUrl } from '../auth/urls.js';
import { trackChangedPages } from '../deploy/preview/changes.js';
import {
  finishPreviewDeploy,
  planPreview,
  type PreviewReport,
  type PreviewRequest,
  type PreviewStep,
  removePreview,
} from '../deploy/preview/preview.js';
import { ContainerDestination } from '../storage/container-destination.js';
import { describeError, ExitCode, exitCodeOf, type OptionTerms, SyncError, UsageError } from '../engine/errors.js';
import { parseTryTimeout, type RawSyncOptions, resolveSyncOptions } from '../engine/options.js';
import { blobUrlPath as urlPath } from '../storage/blob-url.js';
import { redact } from '../engine/redact.js';
import { ContainerFolderSource } from '../storage/container-source.js';
import { LocalFolderSource } from '../engine/local/local-folder.js';
import { sync } from '../engine/sync.js';
import type { SyncSource } from '../engine/ports/source.js';
import type { SourceEntry, SyncEvents, SyncOptions } from '../engine/types.js';
import { type RawDeployOptions, resolveDeployOptions } from '../deploy/options.js';
import { type ManagementSignIn, preparePurge } from '../deploy/purge-setup.js';
import { runDeploySteps } from '../deploy/steps.js';
import type { RunSummary } from '../deploy/types.js';
import { relativeToWorkspace } from '../report/lines.js';
import { runDownload } from './download-run.js';

/** The engine's events as an entry point shows them, and `finish` to close what is open (a group, a bar). */
export type RunEvents = SyncEvents & { finish(): void };

/** What an entry point read from its inputs: the sync's options, where to, and how to sign in. */
export interface RunRequest {
  sync: RawSyncOptions;
  container: string;
  /** Seconds one request may take before it is retried; empty for the default. */
  timeout?: string;
  /** The SAS of a container source, when it is not in the source URL. */
  sourceSasToken?: string;
  /** Signs in; called once every input was checked, so an input mistake never costs a sign-in. */
  signIn(): StorageAuth | Promise<StorageAuth>;
  /** The deploy steps' options (the purge). */
  deploy?: RawDeployOptions;
  /**
   * The run's own Entra sign-in for Azure Resource Manager (the purge), reusing the storage sign-in when it is Entra
   * ID; throws a UsageError saying what to add when the entry point has none.
   */
  managementSignIn?(storage: StorageAuth): ManagementSignIn | Promise<ManagementSignIn>;
  /** Pull-request previews (the Action and the task): the inputs, the pull request, its commenter. */
  preview?: PreviewRequest;
}

/** A run's failure, in the entry point's own terms and with every secret redacted. */
export interface RunFailure {
  message: string;
  hint?: string;
  /** The stack of an unexpected error (not one of the engine's typed errors), redacted, for debug output. */
  stack?: string;
}

/** What is truly an entry point's own: its inputs, its terms, its log idioms and how it publishes a result. */
export interface EntryPoint {
  /** How this entry point names options in messages (`--force`, `` `force: true` ``). */
  readonly terms: OptionTerms;
  /** The folder relative source paths are shown from (the checkout), if any. */
  readonly workspace?: string;
  /** Where files for later steps go (the changed-paths file); none when the entry point publishes no such file. */
  readonly tempDir?: string;
  /** Masks every secret with the platform's call, then reads the inputs. */
  read(): RunRequest | Promise<RunRequest>;
  info(line: string): void;
  events(options: SyncOptions): RunEvents;
  /** Outputs, the job summary and the step's result; the exit code follows from the summary. */
  publish(summary: RunSummary, preview?: PreviewReport): void | Promise<void>;
  fail(failure: RunFailure): void | Promise<void>;
  /** Stops what the entry point started (an emulator). */
  close?(): Promise<void>;
}

/**
 * The one run loop of the CLI, the Action and the task: mask and read inputs, resolve and check the options, sign
 * in, sync (or download, see download-run.ts), publish. Returns the exit code (see ExitCode); never throws.
 */
export async function runEntryPoint(entry: EntryPoint): Promise<number> {
  let events: RunEvents | undefined;
  try {
    const request = await entry.read();
    const resolved = resolveSyncOptions(request.sync);
    if (resolved.downloadTo) {
      const downloadTo = resolved.downloadTo;
      return await runDownload(entry, request, { ...resolved, downloadTo }, (started) => (events = started));
    }
    const preview = planPreview(request.preview, resolved);
    const { options } = preview;
    const deploy = resolveDeployOptions(request.deploy ?? {});
    // Input mistakes are reported before any sign-in is attempted. Removing a closed pull request's preview needs
    // no build output, so no source.
    const sourceUrl = isContainerUrl(options.source)
      ? parseSourceUrl(options.source, request.sourceSasToken)
      : undefined;
    if (!sourceUrl && request.sourceSasToken) throw sasForLocalSource();
    if (sourceUrl && options.hashCache) throw hashCacheForContainerSource();
    if (preview.kind !== 'off' && options.immutable) throw immutablePreviews();
    const local =
      preview.kind === 'remove' || sourceUrl
        ? undefined
        : await LocalFolderSource.open(options.source, {
            followSymlinks: options.followSymlinks,
            hashCache: options.hashCache,
          });
    const tryTimeoutMs = parseTryTimeout(request.timeout);
    const auth = await request.signIn();
    const target = connectContainer(auth, request.container, { tryTimeoutMs });
    const managementSignIn = request.managementSignIn?.bind(request);
    const purge =
      deploy.purge && (await preparePurge(deploy.purge, managementSignIn && (() => managementSignIn(auth))));
    // A valid URL everywhere it is shown (log, outputs, summary, JSON): the container part is the SDK's, encoded.
    const destinationUrl = options.destinationPath
      ? `${target.label}/${urlPath(options.destinationPath)}`
      : target.label;
    const warning = (message: string) => events?.warning?.(redact(message));
    const previewStep = (plan: PreviewStep['plan']): PreviewStep => ({
      plan,
      folders: new BlobFolders(target.container, warning),
      containerLabel: target.label,
      commenter: request.preview?.commenter,
      log: { info: (line) => entry.info(redact(line)), warning },
    });

    if (preview.kind === 'remove') {
      events = entry.events(options);
      const labels = { source: 'closed pull request', destination: destinationUrl, dryRun: options.dryRun };
      const { summary, report } = await removePreview(previewStep(preview), events, labels);
      events.finish();
      await entry.publish(summary, report);
      return ExitCode.ok;
    }

    // A container source is read with its own SAS or the destination's sign-in (see auth/source.ts).
    const remote =
      sourceUrl &&
      connectSourceFolder(
        sourceUrl,
        auth,
        { containerUrl: target.label, path: options.destinationPath },
        { tryTimeoutMs },
      );
    const source: SyncSource<SourceEntry> = local ?? new ContainerFolderSource(remote!.folder);
    const sourceLabel = local ? relativeToWorkspace(source.label, entry.workspace) : source.label;
    if (local?.contentsGlob) {
      const given = relativeToWorkspace(local.contentsGlob, entry.workspace);
      entry.info(
        `The source "${given}" is read as the folder ${sourceLabel}: a source is always a folder's whole contents, subfolders included.`,
      );
    }
    const how = remote
      ? `${target.method}; the service copies, reading the source with ${remote.method}`
      : target.method;
    entry.info(`Syncing ${sourceLabel} -> ${destinationUrl} (${how})${options.dryRun ? ', dry run' : ''}`);
    if (purge) entry.info(`Then purging what changed on ${purge.target.id} (${purge.method})`);

    events = entry.events(options);
    // Only a preview's comment lists changed pages.
    const tracked = preview.kind === 'deploy' ? trackChangedPages(events) : { events, pages: [] };
    const destination = new ContainerDestination({ ...target, label: destinationUrl }, options.destinationPath);
    // Messages name a container source by its label: a source URL's SAS stays out of them.
    const syncOptions = remote ? { ...options, source: source.label } : options;
    const synced = { ...(await sync(syncOptions, { source, destination }, tracked.events)), source: sourceLabel };
    events.finish();
    const { summary, failure } = await runDeploySteps(synced, {
      tempDir: entry.tempDir,
      dryRun: options.dryRun,
      purge,
      log: (line) => entry.info(line),
    });
    const report =
      preview.kind === 'deploy' ? await finishPreviewDeploy(previewStep(preview), synced, tracked.pages) : undefined;
    await entry.publish(summary, report);
    // A release that differs from what is published is its own outcome: re-running cannot fix it.
    if (summary.conflicts > 0) return ExitCode.immutable;
    if (summary.failed > 0) return ExitCode.partialFailure;
    // The sync completed and its summary is out; the purge's failure is the run's result.
    if (failure) throw failure;
    return ExitCode.ok;
  } catch (error) {
    events?.finish();
    const { message, hint } = describeError(error, entry.terms);
    const stack = !(error instanceof SyncError) && error instanceof Error ? redact(error.stack ?? '') : undefined;
    await entry.fail({ message: redact(message), hint: hint === undefined ? undefined : redact(hint), stack });
    return exitCodeOf(error);
  } finally {
    await entry.close?.();
  }
}

function hashCacheForContainerSource(): UsageError {
  return new UsageError(
    (t) => `${t.name('hashCache')} was given, but the source is a container folder, whose blobs carry their MD5s.`,
    (t) => `Leave ${t.name('hashCache')} out: it keeps a local folder's MD5s between runs.`,
  );
}

function immutablePreviews(): UsageError {
  return new UsageError(
    (t) =>
      `${t.set('immutable')} and ${t.set('preview')} contradict each other: a preview folder is replaced on every push and removed when its pull request closes.`,
    (t) => `Publish releases in a step of their own with ${t.set('immutable')}, and previews without it.`,
  );
}

function sasForLocalSource(): UsageError {
  return new UsageError(
    (t) => `${t.name('sourceSasToken')} was given, but the source is a local folder.`,
    (t) =>
      `Give the source container's URL in ${t.name('source')} (https://<account>.blob.core.windows.net/<container>/<folder>), or leave ${t.name('sourceSasToken')} out.`,
  );
}
