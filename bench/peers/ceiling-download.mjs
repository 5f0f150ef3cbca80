// The raw ceiling of a download: the SDK's downloadToFile at full parallelism (every file at once, 16 ranges of
// 8 MiB each in flight), with no listing of the local folder, no diff, no verification, no partial file.
// Usage: node ceiling-download.mjs <connection-string> <container> <folder>
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ContainerClient } from '@azure/storage-blob';

const [connectionString, containerName, folder] = process.argv.slice(2);
const container = new ContainerClient(connectionString, containerName);
const names = [];
for await (const blob of container.listBlobsFlat()) names.push(blob.name);
let next = 0;
async function lane() {
  while (next < names.length) {
    const name = names[next++];
    const file = path.join(folder, ...name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    await container.getBlobClient(name).downloadToFile(file, 0, undefined, { concurrency: 16, maxRetryRequests: 5 });
  }
}
await Promise.all(Array.from({ length: 64 }, lane));
