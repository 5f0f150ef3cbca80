import { ContainerDestination, type ContainerTarget } from '../../src/storage/container-destination.js';
import { LocalFolderSource } from '../../src/engine/local/local-folder.js';
import { sync } from '../../src/engine/sync.js';
import type { SyncEvents, SyncOptions, SyncSummary } from '../../src/engine/types.js';

/** The sync every entry point runs today: a local folder into a folder of a container. */
export async function syncFolder(
  options: SyncOptions,
  target: ContainerTarget,
  events: SyncEvents = {},
): Promise<SyncSummary> {
  const source = await LocalFolderSource.open(options.source, {
    followSymlinks: options.followSymlinks,
    hashCache: options.hashCache,
  });
  return sync(options, { source, destination: new ContainerDestination(target, options.destinationPath) }, events);
}
