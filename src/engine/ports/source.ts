import type { LoadListener } from './destination.js';
import type { StoredHeaders } from './destination.js';
import type { DesiredHeaders, Failure, HashStats, SourceEntry } from '../types.js';
import type { PathFilter } from '../plan/path-filter.js';

/** What a source holds: the entries that take part, and what could not be read. */
export interface SourceListing<E extends SourceEntry> {
  /** In code-unit order of their names, the order the service lists blobs in. */
  entries: E[];
  /** Entries that exist but could not be read: reported as failed, and they block deletes. */
  problems: Failure[];
  warnings: string[];
  /** Worth knowing when looking closely (how a hash cache served): shown as details. */
  details?: string[];
  /** Entries the include/exclude patterns left out. */
  filteredOut: number;
}

/** An entry's content, opened for one upload. */
export interface EntryReader {
  readonly size: number;
  /** Exactly `length` bytes from `position`; fails with a TransferError when the entry shrank. */
  read(length: number, position: number): Promise<Buffer>;
  /**
   * Every byte from `position` to the end, in order, as one stream (a large file's download reads it so, without a
   * request per range); where a source has none, the transfer reads ranges.
   */
  stream?(position: number): AsyncIterable<Buffer>;
  /** Fails with a TransferError (ending in `outcome`) when the entry changed since it was opened. */
  verifyUnchanged(outcome?: string): Promise<void>;
  close(): Promise<void>;
}

/** Where the storage service reads an entry for a server-side copy. */
export interface CopySource {
  /** The blob's URL with its read authorisation (a SAS): a secret, never logged. */
  url: string;
  /** The version that was listed: the copy fails rather than take a newer one. */
  etag?: string;
  /** The headers (and Content-MD5) the source blob has, which the service copies along with the content. */
  headers: StoredHeaders;
}

/**
 * Where a sync reads from. The engine lists entries (size, and MD5 where the source knows it), asks for the MD5s the
 * diff needs, and opens the content of what it uploads; it never touches a file system or a service itself.
 */
export interface SyncSource<E extends SourceEntry = SourceEntry> {
  /** How to name the source to a person (a path or a URL with no secret in it). */
  readonly label: string;
  /**
   * Lists the entries. `hashAhead`, when given, is asked of entries as they are found and once the listing is done
   * (its answer changes as the run goes on): a yes lets the source start computing that entry's MD5, which will
   * probably be needed, while the destination is still being listed.
   */
  list(filter: PathFilter, hashAhead?: (entry: E) => boolean): Promise<SourceListing<E>>;
  /** Makes sure each entry carries its MD5; returns the entries that could not be read, with why. */
  hash(entries: readonly E[], onDone?: (stats: HashStats) => void): Promise<Map<E, string>>;
  open(entry: E): Promise<EntryReader>;
  /**
   * Present on a source the storage service copies from (a container folder): what the transfer hands the service
   * instead of opening the entry. Such a source is never read by the runner.
   */
  copySource?(entry: E): Promise<CopySource>;
  /** Headers an entry already carries (a source blob's), which stand where no header rule matches it. */
  inheritedHeaders?(entry: E): Partial<DesiredHeaders>;
  /**
   * Keeps what the run learned of the entries for the next run (a local folder's hash cache), once the run is over;
   * returns warnings, never throws.
   */
  remember?(): Promise<string[]>;
  /** Has `listener` hear how the service answers every request of a source the runner reads (see LoadListener). */
  watchLoad?(listener: LoadListener): void;
  /** Stops background work (hashing threads) when the run ends early; safe to call twice. */
  close(): Promise<void>;
}
