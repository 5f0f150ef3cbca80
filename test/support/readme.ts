import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './cli.js';

export const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The section whose examples coming-from.test.ts runs (the other README tests leave them out). */
export const COMING_FROM = '## Coming from AzCopy, az storage or Azure File Copy';

/**
 * The text under a heading (`## Coming from…`), up to the next heading of the same or a higher level. Lines inside
 * fenced code blocks are not headings (`# with AzCopy` in a shell example).
 */
export function readmeSection(heading: string, text = README): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === heading || line.startsWith(`${heading} `));
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    if (line.startsWith('```')) fenced = !fenced;
    const match = fenced ? null : /^(#+) /.exec(line);
    if (match && match[1]!.length <= level) break;
  }
  return lines.slice(start, end).join('\n');
}

/** The README without one section, for tests that read every example of one kind in the rest of it. */
export function readmeWithout(heading: string): string {
  return README.replace(readmeSection(heading), '');
}

/** The fenced code blocks of one language, in order. */
export function codeBlocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The rows of the first Markdown table in the text, as cells (header and separator left out). */
export function tableRows(text: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (let i = start + 2; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(
      lines[i]!.slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The `code spans` of a table cell. */
export function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}
