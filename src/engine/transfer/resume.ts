import type { StagedBlock, SyncDestination } from '../ports/destination.js';

export const CANNOT_RESUME =
  'Large files are uploaded whole: reading the blocks an interrupted upload left needs read permission, which this credential lacks (a SAS needs r). Add r to resume such uploads where they stopped.';

/**
 * Asks the service which blocks an interrupted upload of a blob left staged (one request a large file). When the
 * credential may not read them, says so once and the run uploads every block, as without resume.
 */
export class BlockResume {
  private unreadable = false;

  constructor(
    private readonly destination: SyncDestination,
    private readonly warn: (message: string) => void,
  ) {}

  /** The blocks staged for the blob (none: an empty array); undefined when they cannot be read. */
  async staged(blobName: string): Promise<StagedBlock[] | undefined> {
    if (this.unreadable) return undefined;
    const blocks = await this.destination.stagedBlocks(blobName);
    if (blocks === undefined && !this.unreadable) {
      this.unreadable = true;
      this.warn(CANNOT_RESUME);
    }
    return blocks;
  }
}
