// The documentation as the tests read it: README.md and the pages under docs/, their sections, code blocks and tables,
// so the examples a user copies are the ones the tests run.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A documentation page by its path from the repository root (`README.md`, `docs/migrating.md`). */
export function docText(page: string): string {
  return readFileSync(path.join(ROOT, page), 'utf8');
}

/** Every page under docs/, as `docs/<name>.md`, sorted. */
export function docPages(): string[] {
  return readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
}

/** The Markdown files at the root that link into the documentation. */
export const ROOT_PAGES = ['README.md', 'CONTRIBUTING.md', 'SECURITY.md', 'CHANGELOG.md'];

/** `uses: OWNER/azure-blob-sync@v<major>`: the major tag the release moves, from package.json's version. */
export const ACTION_TAG = `v${(JSON.parse(docText('package.json')) as { version: string }).version.split('.')[0]}`;

/** True for a workflow step that uses this action at the documented major tag. */
export function usesThisAction(step: { uses?: string }): boolean {
  return step.uses?.endsWith(`/azure-blob-sync@${ACTION_TAG}`) ?? false;
}

/**
 * The text under a heading (`## AzCopy`), up to the next heading of the same or a higher level, from a page's text.
 * Lines inside fenced code blocks are not headings (`# with AzCopy` in a shell example).
 */
export function section(text: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line === heading || line.startsWith(`${heading} `));
  if (start < 0) throw new Error(`no section "${heading}"`);
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

/** A section of a page: `docSection('docs/migrating.md', '## AzCopy')`. */
export function docSection(page: string, heading: string): string {
  try {
    return section(docText(page), heading);
  } catch {
    throw new Error(`${page} has no section "${heading}"`);
  }
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
