import mime from 'mime-types';
import { Minimatch } from 'minimatch';
import { UsageError } from '../errors.js';
import type { DesiredHeaders, HeaderRule } from '../types.js';

const FALLBACK_CONTENT_TYPE = 'application/octet-stream';

/** Each media type's Content-Type, charset included: worked out once per type, not once per file. */
const contentTypes = new Map<string, string>();

/** Content-Type from the mime database, with `charset=utf-8` on text types (so browsers don't guess). */
export function defaultContentType(name: string): string {
  const type = mime.lookup(name);
  if (!type) return FALLBACK_CONTENT_TYPE;
  let contentType = contentTypes.get(type);
  if (contentType === undefined) {
    contentType = mime.charset(type) ? `${type}; charset=utf-8` : type;
    contentTypes.set(type, contentType);
  }
  return contentType;
}

const EXAMPLE_VALUES: Record<string, string> = { 'cache-control': 'no-cache', compress: 'br' };

/**
 * Parses `glob=value` rules (e.g. `assets/**=public, max-age=31536000, immutable`). The first '=' separates the glob,
 * since header values may contain '=' themselves.
 */
export function parseHeaderRules(lines: readonly string[], what: string): HeaderRule[] {
  return lines
    .flatMap((line) => line.split(/\r?\n/))
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      const pattern = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      if (eq <= 0 || !pattern || !value) {
        throw new UsageError(
          `The ${what} rule "${line}" is not of the form glob=value.`,
          `Write it like "**/*.html=${EXAMPLE_VALUES[what] ?? 'text/html; charset=utf-8'}".`,
        );
      }
      return { pattern, value };
    });
}

/**
 * Resolves the headers a file should carry: the user's rules (the last match wins), else what the entry inherits
 * (a source blob's own headers), else the sniffed type of an extensionless file, else the mime default.
 */
export class HeaderResolver {
  private readonly contentType: CompiledRule[];
  private readonly cacheControl: CompiledRule[];

  /** `sniffed`: Content-Types read from the content of files whose name has no extension (see source/sniff.ts). */
  constructor(
    contentTypeRules: readonly HeaderRule[],
    cacheControlRules: readonly HeaderRule[],
    private readonly sniffed: ReadonlyMap<string, string> = new Map(),
  ) {
    this.contentType = contentTypeRules.map(compile);
    this.cacheControl = cacheControlRules.map(compile);
  }

  /** `inherited`: headers the entry already has (a source blob's), which stand where no rule matches. */
  resolve(relativePath: string, inherited: Partial<DesiredHeaders> = {}): DesiredHeaders {
    const headers: DesiredHeaders = {
      contentType:
        lastMatch(this.contentType, relativePath) ??
        (inherited.contentType || this.sniffed.get(relativePath) || defaultContentType(relativePath)),
    };
    const cacheControl = lastMatch(this.cacheControl, relativePath) ?? (inherited.cacheControl || undefined);
    if (cacheControl !== undefined) headers.cacheControl = cacheControl;
    return headers;
  }
}

export interface CompiledRule<V = string> {
  matcher: Minimatch;
  value: V;
}

export function compile(rule: HeaderRule): CompiledRule {
  return { matcher: new Minimatch(rule.pattern, { dot: true, matchBase: true }), value: rule.value };
}

export function lastMatch<V>(rules: readonly CompiledRule<V>[], path: string): V | undefined {
  for (let i = rules.length - 1; i >= 0; i--) {
    if (rules[i]!.matcher.match(path)) return rules[i]!.value;
  }
  return undefined;
}
