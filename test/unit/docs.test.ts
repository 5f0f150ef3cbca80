import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { FLAGS } from '../../src/platform/cli/args.js';
import { codeBlocks, codeSpans, docPages, docSection, docText, ROOT_PAGES, tableRows } from '../support/docs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The text of a heading as GitHub renders it: code, emphasis and link syntax gone, the words kept. */
function headingText(markdown: string): string {
  return markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`/g, '')
    .replace(/(\*\*|__|\*)/g, '')
    .trim();
}

/**
 * GitHub's anchor for a heading: lower case, everything but letters, marks, numbers, `_`, `-` and spaces removed,
 * spaces to hyphens; a repeated anchor gets `-1`, `-2`, … (github-slugger's rules).
 */
export function slugs(headings: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return headings.map((heading) => {
    const base = headingText(heading)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  });
}

/** The lines of a page outside fenced code blocks, with inline code removed. */
function proseLines(text: string): string[] {
  let fence: string | undefined;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (marker && (!fence || marker.startsWith(fence))) {
      fence = fence ? undefined : marker;
      continue;
    }
    if (!fence) lines.push(line.replace(/(`+).*?\1/g, ''));
  }
  return lines;
}

function anchorsOf(text: string): Set<string> {
  const headings = proseLines(text).flatMap((line) => /^#{1,6} (.+?)#*\s*$/.exec(line)?.[1] ?? []);
  return new Set(slugs(headings));
}

/** Relative link targets of a page: `[text](target)` and `![alt](target)`, outside code. */
function relativeLinks(text: string): string[] {
  return proseLines(text)
    .flatMap((line) => [...line.matchAll(/!?\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!))
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

const PAGES = [...ROOT_PAGES, ...docPages()];

/** Where a link from `page` leads: the file (from the root) and the anchor, or why it leads nowhere. */
function resolve(page: string, target: string): { file: string; anchor?: string } | { problem: string } {
  const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = pathPart ? path.posix.normalize(path.posix.join(path.posix.dirname(page), pathPart)) : page;
  if (file.startsWith('..')) return { problem: 'leads outside the repository' };
  if (!existsSync(path.join(ROOT, file))) return { problem: `${file} does not exist` };
  return { file: statSync(path.join(ROOT, file)).isDirectory() ? `${file}/README.md` : file, anchor };
}

describe('the documentation', () => {
  it('README is at most 20 KB and starts with the two commands', () => {
    const readme = docText('README.md');
    assert.ok(Buffer.byteLength(readme) <= 20 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`);
    const first = codeBlocks(readme, 'sh')[0]!.split('\n');
    assert.match(first[0]!, /^npm ci && npm run demo /);
    assert.match(first[1]!, /^npm ci && npm test /);
    assert.ok(readme.indexOf('```sh') < readme.indexOf('\n## '), 'before the first section');
    assert.deepEqual(
      parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.demo.split(' && ').length,
      2,
      'npm run demo exists (and syncs twice)',
    );
  });

  it('has every relative link and anchor resolve', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of PAGES) {
      const text = docText(page);
      for (const target of relativeLinks(text)) {
        checked++;
        const where = resolve(page, target);
        if ('problem' in where) broken.push(`${page}: (${target}) ${where.problem}`);
        else if (where.anchor !== undefined && !/^L\d+/.test(where.anchor)) {
          if (!where.file.endsWith('.md'))
            broken.push(`${page}: (${target}) an anchor into a file that is not Markdown`);
          else if (!anchorsOf(docText(where.file)).has(where.anchor))
            broken.push(`${page}: (${target}) ${where.file} has no heading #${where.anchor}`);
        }
      }
    }
    assert.ok(checked > 100, `links checked: ${checked}`);
    assert.deepEqual(broken, []);
  });

  it('reaches every page from the README, and lists every docs page in docs/README.md', () => {
    const reached = new Set(['README.md']);
    const queue = ['README.md'];
    while (queue.length) {
      const page = queue.shift()!;
      for (const target of relativeLinks(docText(page))) {
        const where = resolve(page, target);
        if ('file' in where && where.file.endsWith('.md') && !reached.has(where.file)) {
          reached.add(where.file);
          queue.push(where.file);
        }
      }
    }
    assert.deepEqual(
      PAGES.filter((page) => !reached.has(page)),
      [],
    );
    const index = new Set(relativeLinks(docText('docs/README.md')).map((target) => `docs/${target.split('#')[0]}`));
    assert.deepEqual(
      docPages().filter((page) => page !== 'docs/README.md' && !index.has(page)),
      [],
    );
  });

  it('lists every CLI flag, Action input and task input in docs/options.md, in its column', () => {
    const rows = ['## Where to sync and how to sign in', '## What to sync and how', '## After the sync']
      .concat('## Pull-request previews')
      .flatMap((heading) => tableRows(docSection('docs/options.md', heading)));
    const own = tableRows(docSection('docs/options.md', "## The command line's own"));
    const column = (index: number) => new Set(rows.flatMap((row) => codeSpans(row[index] ?? '')));
    const flags = new Set([...column(0), ...own.flatMap((row) => codeSpans(row[0]!))]);
    for (const flag of Object.keys(FLAGS)) assert.ok(flags.has(`--${flag}`), `--${flag}`);
    const action = parse(readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
    const inputs = column(1);
    for (const input of Object.keys(action.inputs)) assert.ok(inputs.has(input), `action.yml ${input}`);
    const task = JSON.parse(readFileSync(path.join(ROOT, 'task.json'), 'utf8'));
    const taskInputs = column(2);
    for (const input of task.inputs as { name: string }[]) assert.ok(taskInputs.has(input.name), `task ${input.name}`);
  });

  it('names only source files that exist where performance.md says why the code is shaped as it is', () => {
    const rows = tableRows(docSection('docs/performance.md', '## Why the code is shaped as it is'));
    assert.ok(rows.length > 10, 'the table is found');
    for (const [where] of rows) {
      // "engine/local/scan.ts, the walker" or "a.ts, b.ts `NAME`": each file, relative to src/ or to the first's folder.
      const files = where!
        .replace(/`[^`]*`/g, '')
        .split(',')
        .map((part) => part.trim().split(' ')[0]!);
      const folder = path.dirname(files[0]!);
      for (const file of files.filter((name) => name.endsWith('.ts'))) {
        const under = file.includes('/') ? file : path.join(folder, file);
        assert.ok(existsSync(path.join(ROOT, 'src', under)), `src/${under} (performance.md: ${where})`);
      }
    }
  });
});

describe("GitHub's heading anchors", () => {
  it('follow its slug rules', () => {
    assert.deepEqual(
      slugs([
        'Coming from AzCopy, az storage or Azure File Copy',
        "The command line's own",
        'A release promotion pipeline (Azure DevOps)',
        '`compare` and `--compare`',
        'Über **bold** [link](x.md)',
        'Shards',
        'Shards',
        'snake_case - 2',
      ]),
      [
        'coming-from-azcopy-az-storage-or-azure-file-copy',
        'the-command-lines-own',
        'a-release-promotion-pipeline-azure-devops',
        'compare-and---compare',
        'über-bold-link',
        'shards',
        'shards-1',
        'snake_case---2',
      ],
    );
  });

  it('ignore headings and links inside code', () => {
    const text = '# Real\n```sh\n# with AzCopy\n[x](missing.md)\n```\nSee `[y](gone.md)` and [z](#real).\n';
    assert.deepEqual([...anchorsOf(text)], ['real']);
    assert.deepEqual(relativeLinks(text), ['#real']);
  });
});
