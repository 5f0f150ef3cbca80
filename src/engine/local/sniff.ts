import path from 'node:path';
import pLimit from 'p-limit';
import { compile, lastMatch } from '../plan/headers.js';
import type { SourceEntry, SyncOptions } from '../types.js';
import type { SyncSource } from '../ports/source.js';

/** How much of a file its type is read from: what AzCopy (Go's http.DetectContentType) reads. */
export const SNIFF_BYTES = 512;
const SNIFF_CONCURRENCY = 16;

export const TEXT_PLAIN = 'text/plain; charset=utf-8';
export const OCTET_STREAM = 'application/octet-stream';

/**
 * Whether a name has no extension to look its type up by (`LICENSE`, `CNAME`, `Makefile`, `.nojekyll`). Only these
 * are read before the diff; a file with an extension never is, whatever its type.
 */
export function isExtensionless(name: string): boolean {
  return path.posix.extname(path.posix.basename(name)) === '';
}

/**
 * The type of a file from its first bytes: UTF-8 text without NULs or other control bytes that mark binary data (the
 * set Go's sniffer uses: 0x00-0x08, 0x0B, 0x0E-0x1A, 0x1C-0x1F) is text/plain, anything else octet-stream.
 * `truncated`: the prefix ends before the file does, so a multi-byte character cut at its end still counts as text.
 */
export function sniffContentType(prefix: Uint8Array, truncated: boolean): string {
  for (const byte of prefix) {
    if (byte <= 0x08 || byte === 0x0b || (byte >= 0x0e && byte <= 0x1a) || (byte >= 0x1c && byte <= 0x1f)) {
      return OCTET_STREAM;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(prefix, { stream: truncated });
    return TEXT_PLAIN;
  } catch {
    return OCTET_STREAM;
  }
}

/**
 * Reads the first bytes of each extensionless entry that no Content-Type rule covers, and returns its type by name.
 * An entry that cannot be read is left out (its upload reports why).
 */
export async function sniffContentTypes<E extends SourceEntry>(
  source: SyncSource<E>,
  entries: readonly E[],
  options: Pick<SyncOptions, 'contentTypeRules'>,
): Promise<Map<string, string>> {
  const rules = options.contentTypeRules.map(compile);
  const candidates = entries.filter((entry) => isExtensionless(entry.name) && !lastMatch(rules, entry.name));
  const types = new Map<string, string>();
  const limit = pLimit(SNIFF_CONCURRENCY);
  await Promise.all(
    candidates.map((entry) =>
      limit(async () => {
        try {
          const reader = await source.open(entry);
          try {
            const length = Math.min(SNIFF_BYTES, reader.size);
            types.set(entry.name, sniffContentType(await reader.read(length, 0), length < reader.size));
          } finally {
            await reader.close();
          }
        } catch {
          // Unreadable: the hash or the upload reports why.
        }
      }),
    ),
  );
  return types;
}
