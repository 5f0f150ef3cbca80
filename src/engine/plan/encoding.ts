import { UsageError } from '../errors.js';
import type { CompressRule, EncodedSource, Encoding, RemoteBlob } from '../types.js';
import { compile, lastMatch, parseHeaderRules, type CompiledRule } from './headers.js';

export const ENCODINGS: readonly Encoding[] = ['br', 'gzip', 'none'];

/**
 * Metadata on a blob written under a compress rule. The stored bytes are not the file's, so their size and
 * Content-MD5 cannot tell whether the file changed: these record the file's own, and the rule that was applied.
 */
export const SOURCE_METADATA = {
  md5: 'azsync_source_md5',
  size: 'azsync_source_size',
  encoding: 'azsync_encoding',
} as const;

/** Parses `glob=br|gzip|none` rules (one a line, or repeated); an unknown encoding is a usage error. */
export function parseCompressRules(lines: readonly string[]): CompressRule[] {
  return parseHeaderRules(lines, 'compress').map(({ pattern, value }) => {
    const encoding = value.toLowerCase() as Encoding;
    if (!ENCODINGS.includes(encoding)) {
      throw new UsageError(
        `Unknown encoding "${value}" in the compress rule "${pattern}=${value}".`,
        (t) => `Write ${t.name('compress')} rules as glob=br, glob=gzip or glob=none, e.g. "**/*.{html,css,js}=br".`,
      );
    }
    return { pattern, encoding };
  });
}

/** The encoding a file should be stored with: the last matching rule's, `none` without one. */
export class EncodingResolver {
  private readonly rules: CompiledRule<Encoding>[];

  constructor(rules: readonly CompressRule[]) {
    this.rules = rules.map((rule) => ({ ...compile({ pattern: rule.pattern, value: '' }), value: rule.encoding }));
  }

  resolve(relativePath: string): Encoding {
    return this.rules.length === 0 ? 'none' : (lastMatch(this.rules, relativePath) ?? 'none');
  }
}

/** The metadata recording what the blob holds, or undefined for a file stored without a rule. */
export function sourceMetadata(source: EncodedSource | undefined): Record<string, string> | undefined {
  if (!source) return undefined;
  return {
    [SOURCE_METADATA.md5]: source.md5,
    [SOURCE_METADATA.size]: String(source.size),
    [SOURCE_METADATA.encoding]: source.encoding,
  };
}

/** Reads that metadata back (keys as listed); undefined when any part is missing or malformed. */
export function encodedSourceOf(metadata: Readonly<Record<string, string | undefined>>): EncodedSource | undefined {
  const md5 = metadata[SOURCE_METADATA.md5];
  const size = Number(metadata[SOURCE_METADATA.size]);
  const encoding = metadata[SOURCE_METADATA.encoding];
  if (!md5 || !Number.isSafeInteger(size) || size < 0 || (encoding !== 'br' && encoding !== 'gzip')) return undefined;
  return { md5, size, encoding };
}

/**
 * What the diff compares a file with: the recorded source of a blob written under a rule, else the blob itself.
 * A blob stored encoded by another tool (Content-Encoding, no record) shows its encoded size and MD5, so it never
 * matches the file and is replaced.
 */
export function sourceView(remote: RemoteBlob): { size: number; md5?: string; encoding: Encoding } {
  if (remote.source && remote.md5 !== undefined) return remote.source;
  return { size: remote.size, md5: remote.md5, encoding: 'none' };
}
