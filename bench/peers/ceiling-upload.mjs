// The raw ceiling: the SDK's uploadFile at high parallelism, with no scan of the destination, no diff and no MD5.
// Same request shapes as the sync (single Put up to 8 MiB, then 8 MiB blocks), so the gap is the sync's own cost.
// Usage: node ceiling-upload.mjs <folder> <connection-string> <container>
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';

const FILES_IN_FLIGHT = 64;
const BLOCKS_IN_FLIGHT = 16;
const MiB = 1024 * 1024;

const [folder, connectionString, containerName] = process.argv.slice(2);
const container = new ContainerClient(connectionString, containerName);
const entries = await readdir(folder, { recursive: true, withFileTypes: true });
const files = entries
  .filter((entry) => entry.isFile())
  .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name));
let next = 0;
async function lane() {
  while (next < files.length) {
    const full = files[next++];
    const name = path.relative(folder, full).split(path.sep).join('/');
    await container.getBlockBlobClient(name).uploadFile(full, {
      blockSize: 8 * MiB,
      maxSingleShotSize: 8 * MiB,
      concurrency: BLOCKS_IN_FLIGHT,
    });
  }
}
await Promise.all(Array.from({ length: FILES_IN_FLIGHT }, lane));
