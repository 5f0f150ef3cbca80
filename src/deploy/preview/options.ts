import { UsageError } from '../../engine/errors.js';
import { parseDuration } from './duration.js';

/** The preview inputs as the Action and the task read them, before validation. */
export interface RawPreviewOptions {
  enabled?: boolean;
  /** The preview folder under the destination path, with `{number}` for the pull request's number. */
  path?: string;
  /** The base URL the destination path is served from (static website, CDN, custom domain). */
  siteUrl?: string;
  /** How long a preview may go without a deploy before a preview run deletes it, e.g. `14d`. */
  retention?: string;
}

export interface PreviewOptions {
  template: string;
  siteUrl?: string;
  retention?: { text: string; ms: number };
}

export const DEFAULT_PREVIEW_PATH = 'pr-{number}';
export const NUMBER_PLACEHOLDER = '{number}';

/** Validates the preview inputs; undefined when previews are off. */
export function resolvePreviewOptions(raw: RawPreviewOptions | undefined): PreviewOptions | undefined {
  if (!raw?.enabled) return undefined;
  return {
    template: parseTemplate(raw.path?.trim() || DEFAULT_PREVIEW_PATH),
    siteUrl: parseSiteUrl(raw.siteUrl?.trim()),
    retention: parseRetention(raw.retention?.trim()),
  };
}

/**
 * A preview folder template: plain folder names, `{number}` once and in the last segment, so every pull request
 * has its own folder, and the folders of all of them can be found (and protected) by one pattern.
 */
function parseTemplate(template: string): string {
  const segments = template.replace(/\\/g, '/').split('/').filter(Boolean);
  const last = segments.at(-1) ?? '';
  const placeholders = template.split(NUMBER_PLACEHOLDER).length - 1;
  const plain = segments.every(
    (s) => s !== '.' && s !== '..' && /^[A-Za-z0-9._-]+$/.test(s.replace(NUMBER_PLACEHOLDER, '')),
  );
  if (placeholders !== 1 || !last.includes(NUMBER_PLACEHOLDER) || !plain) {
    throw new UsageError(
      `The preview path "${template}" is not a folder name with {number} once, in its last part.`,
      (t) =>
        `Use e.g. ${t.set('previewPath', '"pr-{number}"')} or "previews/pr-{number}" (letters, digits, ".", "_", "-"), so each pull request gets its own folder.`,
    );
  }
  return segments.join('/');
}

function parseSiteUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new UsageError(
      `The site URL "${value}" is not a plain http(s) URL.`,
      (t) =>
        `Give the base URL the destination is served from, e.g. ${t.set('siteUrl', 'https://www.example.com')} (no query, no credentials).`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

function parseRetention(value: string | undefined): PreviewOptions['retention'] {
  if (!value) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) {
    throw new UsageError(
      `The preview retention "${value}" is not a duration.`,
      (t) => `Write it as a number and a unit (s, m, h, d), e.g. ${t.set('previewRetention', '14d')}.`,
    );
  }
  return { text: value, ms };
}
