import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import type { ContainerClient } from '@azure/storage-blob';

/** A temporary folder removed when the test file ends. */
export function tempDir(prefix = 'abs-test-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes `files` (relative path → content) under a new temporary folder and returns it. */
export function makeTree(files: Record<string, string | Buffer>, root = tempDir()): string {
  for (const [name, content] of Object.entries(files)) writeFile(root, name, content);
  return root;
}

export function writeFile(root: string, name: string, content: string | Buffer): void {
  const full = path.join(root, ...name.split('/'));
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}

export function md5Base64(content: string | Buffer): string {
  return createHash('md5').update(content).digest('base64');
}

/** Deterministic pseudo-random bytes (so large test files are reproducible and incompressible). */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const buffer = Buffer.alloc(size);
  if (size < 4) return buffer.fill(seed & 0xff);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buffer.writeUInt32LE(x >>> 0, Math.min(i, size - 4));
  }
  return buffer;
}

export interface BlobState {
  size: number;
  md5?: string;
  contentType?: string;
  cacheControl?: string;
  contentEncoding?: string;
}

/** Every blob in the container (or under a prefix) with the properties a sync sets. */
export async function blobState(container: ContainerClient, prefix?: string): Promise<Map<string, BlobState>> {
  const state = new Map<string, BlobState>();
  for await (const blob of container.listBlobsFlat({ prefix })) {
    const p = blob.properties;
    state.set(blob.name, {
      size: p.contentLength ?? 0,
      md5: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : undefined,
      contentType: p.contentType,
      cacheControl: p.cacheControl,
      ...(p.contentEncoding ? { contentEncoding: p.contentEncoding } : {}),
    });
  }
  return state;
}

/** Every file under a folder: its '/'-joined name -> its MD5, in name order. */
export function fileTree(root: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  const entries = readdirSync(path.join(root, prefix), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) for (const [file, md5] of fileTree(root, name)) files.set(file, md5);
    else files.set(name, md5Base64(readFileSync(path.join(root, name))));
  }
  return files;
}
