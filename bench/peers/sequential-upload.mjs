// The naive peer most marketplace upload actions amount to: walk the folder, upload one file at a time, no diff.
// Usage: node sequential-upload.mjs <folder> <connection-string> <container>
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';

const [folder, connectionString, containerName] = process.argv.slice(2);
const container = new ContainerClient(connectionString, containerName);
const entries = await readdir(folder, { recursive: true, withFileTypes: true });
for (const entry of entries) {
  if (!entry.isFile()) continue;
  const full = path.join(entry.parentPath ?? entry.path, entry.name);
  const name = path.relative(folder, full).split(path.sep).join('/');
  await container.getBlockBlobClient(name).uploadFile(full);
}
