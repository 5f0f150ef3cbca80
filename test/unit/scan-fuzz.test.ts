// Seeded, bounded fuzzing of the folder walker (src/engine/local/scan.ts) on real folders: random trees of odd names,
// include/exclude patterns and symbolic links (to files and folders inside, to a folder outside), scanned and compared
// with a plain reference walk that reads real folders only. ABS_FUZZ_SEED adds a seed.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { serviceName } from '../../src/engine/names/blob-name.js';
import { PathFilter } from '../../src/engine/plan/path-filter.js';
import { scanSource } from '../../src/engine/local/scan.js';
import { tempDir } from '../support/files.js';
import { type SeededRandom, seededRandom } from '../support/seeded-random.js';

const SEEDS = [
  1,
  2,
  3,
  4,
  5,
  6,
  7,
  8,
  9,
  10,
  ...(process.env.ABS_FUZZ_SEED ? [Number(process.env.ABS_FUZZ_SEED)] : []),
];
const NAME_PARTS = [
  'a',
  'b',
  'index',
  'x y',
  'é',
  '中',
  '%2e',
  '#1',
  'q?',
  '.hidden',
  '...',
  'a\\b',
  'data.json',
  '🙂',
];

interface Tree {
  root: string;
  folders: string[];
  files: string[];
  /** Links the walker must report (to a folder, inside or out, or outside at all), by name. */
  reportedLinks: string[];
  /** Links to files inside the source, which the walker lists as files. */
  fileLinks: string[];
}

function makeRandomTree(random: SeededRandom): Tree & { filter: PathFilter } {
  const root = tempDir('abs-scan-fuzz-');
  const outside = tempDir('abs-scan-fuzz-outside-');
  writeFileSync(path.join(outside, 'secret.txt'), 'outside');
  const tree: Tree = { root, folders: [''], files: [], reportedLinks: [], fileLinks: [] };
  const name = () => `${random.pick(NAME_PARTS)}${random.below(3) === 0 ? `-${random.below(100)}` : ''}`;
  const grow = (relDir: string, depth: number) => {
    const used = new Set<string>();
    const fresh = () => {
      let candidate = name();
      while (used.has(candidate)) candidate = `${candidate}_`;
      used.add(candidate);
      return candidate;
    };
    for (let i = random.below(5); i > 0; i--) {
      const file = relDir ? `${relDir}/${fresh()}` : fresh();
      writeFileSync(path.join(root, file), 'x'.repeat(random.below(40)));
      tree.files.push(file);
    }
    if (depth >= 4) return;
    for (let i = random.below(depth === 0 ? 4 : 3); i > 0; i--) {
      const folder = relDir ? `${relDir}/${fresh()}` : fresh();
      mkdirSync(path.join(root, folder));
      tree.folders.push(folder);
      grow(folder, depth + 1);
    }
  };
  grow('', 0);
  const folderNames = tree.folders.filter(Boolean).map((f) => serviceName(f).split('/').at(-1)!);
  const exclude = random.below(2) && folderNames.length ? [`**/${random.pick(folderNames)}`] : [];
  const include = random.below(3) === 0 ? ['**/*.json', '**/a*'] : [];
  const filter = new PathFilter(include, exclude);
  // A folder read under another name is the walker's rule only where its own path is not excluded.
  const excluded = (folder: string) =>
    folder.split('/').some((_, i, parts) => filter.excludesFolder(serviceName(parts.slice(0, i + 1).join('/'))));
  const readable = tree.folders.filter((folder) => folder === '' || !excluded(folder));
  // Links, placed in random folders: to a file inside, to a folder inside (already read as itself), to a folder
  // outside (skipped), and back to the root (a loop).
  const place = (label: string) => {
    const folder = random.pick(tree.folders);
    return folder ? `${folder}/${label}-${random.below(1000)}` : `${label}-${random.below(1000)}`;
  };
  for (let i = random.below(4); i > 0; i--) {
    const kind = random.below(4);
    const link = place(['file-link', 'folder-link', 'outside-link', 'loop'][kind]!);
    if (kind === 0 && tree.files.length > 0) {
      symlinkSync(path.join(root, random.pick(tree.files)), path.join(root, link));
      tree.fileLinks.push(link);
    } else if (kind === 1) {
      symlinkSync(path.join(root, random.pick(readable)), path.join(root, link));
      tree.reportedLinks.push(link);
    } else if (kind === 2) {
      symlinkSync(outside, path.join(root, link));
      tree.reportedLinks.push(link);
    } else if (kind === 3) {
      symlinkSync(root, path.join(root, link));
      tree.reportedLinks.push(link);
    }
  }
  return { ...tree, filter };
}

/** What the walker must list: the real files and the links to files inside, taken by the filter, as the service names them. */
function reference(tree: Tree, filter: PathFilter): { name: string; size: number }[] {
  const rootReal = realpathSync(tree.root);
  const listed: { name: string; size: number }[] = [];
  const walk = (relDir: string) => {
    for (const entry of readdirSync(path.join(tree.root, relDir), { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const name = serviceName(rel);
      if (entry.isDirectory()) {
        if (!filter.excludesFolder(name)) walk(rel);
      } else if (entry.isFile() || (entry.isSymbolicLink() && tree.fileLinks.includes(rel))) {
        const full = path.join(tree.root, rel);
        if (entry.isSymbolicLink() && !realpathSync(full).startsWith(rootReal)) continue;
        if (filter.matches(name)) listed.push({ name, size: statSync(full).size });
      }
    }
  };
  walk('');
  return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

describe('the folder walker against a plain reference walk (seeded random trees)', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => {
      const random = seededRandom(seed);
      const tree = makeRandomTree(random);
      const { filter } = tree;
      const result = await scanSource(tree.root, filter);
      const collisions = new Set<string>();
      const expected = reference(tree, filter).filter((file) => {
        // Two local names the service stores as one (`a\b` beside `a/b`) are the plan's to settle, not the walker's.
        if (collisions.has(file.name)) return false;
        collisions.add(file.name);
        return true;
      });
      const found = result.files.map((file) => ({ name: file.name, size: file.size }));
      assert.deepEqual(
        found.filter((file, i) => found.findIndex((other) => other.name === file.name) === i),
        expected,
        `seed ${seed}`,
      );
      assert.deepEqual(result.problems, []);
      for (const link of tree.reportedLinks) {
        const inScope = !link
          .split('/')
          .slice(0, -1)
          .some((_, i, parts) => filter.excludesFolder(serviceName(parts.slice(0, i + 1).join('/'))));
        if (inScope)
          assert.ok(
            result.warnings.some((w) => w.startsWith(`${link}:`)),
            `seed ${seed}: ${link} is reported`,
          );
      }
      assert.ok(
        result.warnings.every((w) => !w.includes('secret.txt') || w.includes('skipped')),
        'nothing outside is read',
      );
      assert.ok(
        result.files.every((file) => !file.name.includes('secret.txt')),
        `seed ${seed}: nothing from outside`,
      );
    });
  }
});
