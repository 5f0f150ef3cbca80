import { createCipheriv, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { generateText, textKindOf } from './text-content.js';

/** One file of a data set: its '/'-joined relative name and size. */
export interface FileSpec {
  name: string;
  size: number;
  /** Pages, styles and scripts whose content compresses like real ones (see text-content.ts); else random bytes. */
  text?: true;
}

export interface Dataset {
  id: string;
  description: string;
  files: FileSpec[];
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** mulberry32: a tiny seeded PRNG, so every run generates the same names, sizes and contents. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

const SITE_EXTENSIONS = ['html', 'css', 'js', 'json', 'svg', 'txt'];
const SECTIONS = ['docs', 'blog', 'assets', 'api', 'guides', 'news', 'shop', 'help'];

function site(count: number): FileSpec[] {
  const random = seededRandom(5_000);
  return Array.from({ length: count }, (_, i) => {
    const depth = between(random, 1, 3);
    const folders = Array.from({ length: depth }, (_, d) =>
      d === 0 ? SECTIONS[between(random, 0, SECTIONS.length - 1)]! : `part-${between(random, 0, 9)}`,
    );
    const extension = SITE_EXTENSIONS[between(random, 0, SITE_EXTENSIONS.length - 1)]!;
    return { name: `${folders.join('/')}/page-${i}.${extension}`, size: between(random, 1 * KiB, 20 * KiB) };
  });
}

function many(count: number): FileSpec[] {
  const random = seededRandom(50_000);
  return Array.from({ length: count }, (_, i) => ({
    name: `d${Math.floor(i / 1000)}/s${Math.floor(i / 100) % 10}/f${i}.txt`,
    size: between(random, 1 * KiB, 4 * KiB),
  }));
}

function big(count: number, size: number): FileSpec[] {
  return Array.from({ length: count }, (_, i) => ({ name: `release/big-${i}.bin`, size }));
}

/**
 * A realistic static site: pages, styles, scripts (text that compresses 3-4x, as minified assets do), images and a
 * few large media files (incompressible).
 */
function mixed(scale: number): FileSpec[] {
  const random = seededRandom(777);
  const files: FileSpec[] = [];
  const add = (count: number, folder: string, extension: string, min: number, max: number) => {
    for (let i = 0; i < Math.round(count * scale); i++) {
      const name = `${folder}/${between(random, 0, 19)}/${extension}-${i}.${extension}`;
      const size = between(random, min, max);
      files.push(textKindOf(name) ? { name, size, text: true } : { name, size });
    }
  };
  add(400, 'pages', 'html', 5 * KiB, 60 * KiB);
  add(120, 'assets/css', 'css', 2 * KiB, 80 * KiB);
  add(200, 'assets/js', 'js', 5 * KiB, 400 * KiB);
  add(300, 'assets/img', 'png', 20 * KiB, 600 * KiB);
  add(300, 'assets/img', 'jpg', 10 * KiB, 300 * KiB);
  const media = Math.max(2, Math.round(4 * scale));
  for (let i = 0; i < media; i++) {
    files.push({ name: `media/video-${i}.mp4`, size: between(random, 20 * MiB * scale, 50 * MiB * scale) });
  }
  return files;
}

/** The data sets of the issue; `quick` shrinks each so a smoke run takes minutes. */
export function datasets(quick: boolean): Dataset[] {
  return [
    {
      id: 'site',
      description: quick ? '1,000 files of 1-20 KB' : '5,000 files of 1-20 KB',
      files: site(quick ? 1000 : 5000),
    },
    {
      id: 'many',
      description: quick ? '5,000 files of 1-4 KB' : '50,000 files of 1-4 KB',
      files: many(quick ? 5000 : 50_000),
    },
    { id: 'many5k', description: '5,000 files of 1-4 KB (plan-time baseline)', files: many(5000) },
    {
      id: 'deletes',
      description: quick ? '1,000 files of 1-4 KB, a fifth deleted' : '3,000 files of 1-4 KB, a fifth deleted',
      files: many(quick ? 1000 : 3000),
    },
    {
      id: 'big',
      description: quick ? '4 files of 32 MiB' : '4 files of 256 MiB',
      files: big(4, (quick ? 32 : 256) * MiB),
    },
    {
      id: 'mixed',
      description: quick
        ? 'static site, 1/4 scale'
        : 'static site: 1,320 pages/styles/scripts/images + 4 media files of 20-50 MiB',
      files: mixed(quick ? 0.25 : 1),
    },
  ];
}

/**
 * Deterministic incompressible content: the AES-CTR keystream of a key derived from the file's name and version.
 * Fast enough to write a GiB in about a second.
 */
async function writeContent(file: string, name: string, size: number, version: number): Promise<void> {
  const key = createHash('md5').update(`${name}#${version}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  const handle = await fs.open(file, 'w');
  try {
    const chunk = Buffer.alloc(Math.min(size, 4 * MiB));
    for (let written = 0; written < size; written += chunk.length) {
      const part = cipher.update(chunk.subarray(0, Math.min(chunk.length, size - written)));
      await handle.write(part);
    }
  } finally {
    await handle.close();
  }
}

/** A data set on disk, with the mutations the scenarios need and a way back to the original. */
export class DatasetFolder {
  readonly root: string;
  private readonly marker: string;

  constructor(
    readonly dataset: Dataset,
    base: string,
  ) {
    this.root = path.join(base, dataset.id);
    this.marker = path.join(base, `${dataset.id}.json`);
  }

  private fingerprint(): string {
    return createHash('sha256').update(JSON.stringify(this.dataset.files)).digest('hex');
  }

  /** Generates the data set unless an identical, unmodified copy is already there. */
  async ensure(log: (line: string) => void): Promise<void> {
    const marker = await fs.readFile(this.marker, 'utf8').catch(() => '');
    if (marker === this.fingerprint()) return;
    log(`generating ${this.dataset.id} (${this.dataset.description}) in ${this.root}`);
    await fs.rm(this.marker, { force: true });
    await fs.rm(this.root, { recursive: true, force: true });
    await this.write(this.dataset.files, 0);
    await fs.writeFile(this.marker, this.fingerprint());
  }

  /** A seeded pick of `share` of the files. */
  pick(share: number, seed: number): FileSpec[] {
    const random = seededRandom(seed);
    const count = Math.max(1, Math.round(this.dataset.files.length * share));
    const chosen = new Set<number>();
    while (chosen.size < count) chosen.add(Math.floor(random() * this.dataset.files.length));
    return [...chosen].map((i) => this.dataset.files[i]!);
  }

  /** Marks the copy dirty before a mutation, so an interrupted bench regenerates it next time. */
  private async dirty(): Promise<void> {
    await fs.rm(this.marker, { force: true });
  }

  async touchAll(): Promise<void> {
    const now = new Date();
    await inBatches(this.dataset.files, (file) => fs.utimes(path.join(this.root, file.name), now, now));
  }

  /** Same size, new content: only a content comparison can tell. */
  async change(files: FileSpec[]): Promise<void> {
    await this.dirty();
    await this.write(files, 1);
  }

  async remove(files: FileSpec[]): Promise<void> {
    await this.dirty();
    await inBatches(files, (file) => fs.rm(path.join(this.root, file.name)));
  }

  async restore(files: FileSpec[]): Promise<void> {
    await this.write(files, 0);
    await fs.writeFile(this.marker, this.fingerprint());
  }

  private async write(files: FileSpec[], version: number): Promise<void> {
    const folders = new Set(files.map((file) => path.dirname(path.join(this.root, file.name))));
    for (const folder of folders) await fs.mkdir(folder, { recursive: true });
    await inBatches(files, (file) => {
      const target = path.join(this.root, file.name);
      const kind = file.text && textKindOf(file.name);
      if (!kind) return writeContent(target, file.name, file.size, version);
      const seed = createHash('md5').update(`${file.name}#${version}`).digest().readUInt32LE(0);
      return fs.writeFile(target, generateText(kind, file.size, seed));
    });
  }

  get totalBytes(): number {
    return this.dataset.files.reduce((sum, file) => sum + file.size, 0);
  }
}

async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>, width = 32): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(work));
}
