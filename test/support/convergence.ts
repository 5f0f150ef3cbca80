import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import type { SyncSummary } from '../../src/engine/types.js';
import { blobState, type BlobState } from './files.js';
import type { ProcessResult } from './cli.js';

export interface LocalState {
  size: number;
  md5: string;
}

/** Every regular file under `root` by its '/'-joined relative name, with size and MD5. */
export function sourceState(root: string): Map<string, LocalState> {
  const state = new Map<string, LocalState>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const name = prefix + entry.name;
      if (entry.isDirectory()) walk(path.join(dir, entry.name), `${name}/`);
      else if (entry.isFile()) {
        const bytes = readFileSync(path.join(dir, entry.name));
        state.set(name, { size: bytes.length, md5: createHash('md5').update(bytes).digest('base64') });
      }
    }
  };
  walk(root, '');
  return state;
}

export interface ConvergenceOptions {
  /** Destination path inside the container. */
  prefix?: string;
  /** Also download every blob and check its bytes against its Content-MD5 (a committed blob is never mixed). */
  downloadContent?: boolean;
  /** Expected headers per name, when the test cares. */
  headers?: (name: string) => Partial<Pick<BlobState, 'contentType' | 'cacheControl'>>;
}

/**
 * The container (under the prefix) holds exactly the source's files: the same names, sizes and MD5s, and each
 * blob's bytes hash to its Content-MD5.
 */
export async function assertContainerMatches(
  container: ContainerClient,
  source: Map<string, LocalState> | string,
  options: ConvergenceOptions = {},
): Promise<void> {
  const expected = typeof source === 'string' ? sourceState(source) : source;
  const prefix = options.prefix ? `${options.prefix}/` : '';
  const remote = await blobState(container, prefix || undefined);
  const names = (keys: Iterable<string>) => [...keys].sort();
  assert.deepEqual(
    names(remote.keys()),
    names([...expected.keys()].map((n) => prefix + n)),
    'the container holds exactly the source files',
  );
  for (const [name, local] of expected) {
    const blob = remote.get(prefix + name)!;
    assert.equal(blob.size, local.size, `size of ${name}`);
    assert.equal(blob.md5, local.md5, `Content-MD5 of ${name}`);
    const headers = options.headers?.(name);
    if (headers?.contentType) assert.equal(blob.contentType, headers.contentType, `Content-Type of ${name}`);
    if (headers?.cacheControl) assert.equal(blob.cacheControl, headers.cacheControl, `Cache-Control of ${name}`);
  }
  if (options.downloadContent ?? true) {
    for (const [name, blob] of remote) await assertBlobConsistent(container, name, blob.md5);
  }
}

/** A committed blob's bytes hash to the Content-MD5 it carries: whatever it holds, it holds one whole version. */
export async function assertBlobConsistent(container: ContainerClient, name: string, md5?: string): Promise<Buffer> {
  const bytes = await container.getBlobClient(name).downloadToBuffer();
  assert.equal(createHash('md5').update(bytes).digest('base64'), md5, `bytes of ${name} match its Content-MD5`);
  return bytes;
}

/** The summary a CLI run printed with --json. */
export function jsonSummary(result: ProcessResult): SyncSummary {
  try {
    return JSON.parse(result.stdout) as SyncSummary;
  } catch {
    assert.fail(`no JSON summary on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
}

/** How many times each name got a per-file line of the given kind in the CLI's log. */
export function fileLines(log: string, kind: 'uploaded' | 'failed' | 'deleted' | 'updated'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of log.matchAll(new RegExp(`^. ${kind} +(.+?)(?: \\(|: |$)`, 'gm'))) {
    counts.set(match[1]!, (counts.get(match[1]!) ?? 0) + 1);
  }
  return counts;
}
