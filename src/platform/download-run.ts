import { isContainerUrl } from '../auth/urls.js';
import { download } from '../engine/download.js';
import { UsageError } from '../engine/errors.js';
import { LocalFolderDestination } from '../engine/local/local-destination.js';
import { parseTryTimeout } from '../engine/options.js';
import type { SyncOptions } from '../engine/types.js';
import { BlobReadSource } from '../storage/blob-read-source.js';
import { connectReadFolder } from '../storage/connect-source.js';
import { parseSourceUrl } from '../storage/source-url.js';
import { relativeToWorkspace } from '../report/lines.js';
import type { EntryPoint, RunEvents, RunRequest } from './run.js';

/**
 * The run loop's other direction: a container folder (the source URL) into a local folder (`downloadTo`). Inputs are
 * checked before any sign-in; a SAS for the source (in its URL or `sourceSasToken`) needs no other sign-in. Returns
 * the summary's exit code; errors are thrown to the run loop, which reports them.
 */
export async function runDownload(
  entry: EntryPoint,
  request: RunRequest,
  options: SyncOptions & { downloadTo: string },
  started: (events: RunEvents) => void,
): Promise<number> {
  refuseUploadSteps(request, options);
  const sourceUrl = parseSourceUrl(options.source, request.sourceSasToken);
  if (request.container && request.container !== sourceUrl.url.container) {
    throw new UsageError(
      (t) =>
        `${t.name('source')} names the container "${sourceUrl.url.container}", but the container "${request.container}" was given too.`,
      'A download reads the container its source URL names: leave the container out.',
    );
  }
  const destination = await LocalFolderDestination.open(options.downloadTo);
  const tryTimeoutMs = parseTryTimeout(request.timeout);
  const auth = sourceUrl.sas ? undefined : await request.signIn();
  const { folder, method } = connectReadFolder(sourceUrl, auth, { tryTimeoutMs });
  const source = new BlobReadSource(folder);
  const shownFolder = relativeToWorkspace(destination.root, entry.workspace);
  entry.info(`Downloading ${source.label} -> ${shownFolder} (${method})${options.dryRun ? ', dry run' : ''}`);
  const events = entry.events(options);
  started(events);
  const summary = await download({ ...options, source: source.label }, { source, destination }, events);
  events.finish();
  await entry.publish({ ...summary, destination: shownFolder });
  return summary.failed > 0 ? 1 : 0;
}

/** Previews and purges follow an upload; with a download they are a slip, said before anything is sent. */
function refuseUploadSteps(request: RunRequest, options: SyncOptions): void {
  if (!isContainerUrl(options.source)) {
    throw new UsageError(
      (t) => `${t.name('downloadTo')} was given, but the source "${options.source}" is not a container URL.`,
      (t) =>
        `A download's source is the container folder to fetch, e.g. ${t.set('source', 'https://myaccount.blob.core.windows.net/releases/v1.2')}.`,
    );
  }
  const steps = [
    request.preview?.options.enabled ? 'preview' : '',
    request.deploy?.purgeEndpoint ? 'purgeEndpoint' : '',
  ].filter(Boolean) as ('preview' | 'purgeEndpoint')[];
  if (steps.length > 0) {
    throw new UsageError(
      (t) =>
        `${steps.map((key) => t.name(key)).join(' and ')} follow an upload, but this run downloads (${t.name('downloadTo')}).`,
      (t) => `Leave ${steps.map((key) => t.name(key)).join(' and ')} out of the download.`,
    );
  }
}
