// Hashes every file under a folder with the engine's hashing (the hash phase alone) and prints the seconds it took,
// so the bench can compare it with md5sum on the same files.
// Usage: node --import tsx bench/peers/hash-files.ts <folder>
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashFiles } from '../../src/engine/local/hash.js';
import type { LocalFile } from '../../src/engine/types.js';

const folder = process.argv[2] ?? '.';
const entries = await readdir(folder, { recursive: true, withFileTypes: true });
const files: LocalFile[] = [];
for (const entry of entries) {
  if (!entry.isFile()) continue;
  const full = path.join(entry.parentPath ?? entry.path, entry.name);
  const stats = await stat(full);
  files.push({ name: full, path: full, size: stats.size });
}
const started = process.hrtime.bigint();
const errors = await hashFiles(files, 8);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (errors.size > 0) throw new Error(`${errors.size} file(s) could not be hashed`);
process.stdout.write(`${seconds}\n`);
