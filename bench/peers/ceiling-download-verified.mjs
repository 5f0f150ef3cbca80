// The ceiling of a verified download: ceiling-download.mjs plus the MD5 of each file's bytes as they stream, compared
// with the blob's Content-MD5 at the end (what a download that checks its files cannot avoid paying).
// Usage: node ceiling-download-verified.mjs <connection-string> <container> <folder>
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ContainerClient } from '@azure/storage-blob';

const [connectionString, containerName, folder] = process.argv.slice(2);
const container = new ContainerClient(connectionString, containerName);
const blobs = [];
for await (const blob of container.listBlobsFlat()) blobs.push(blob);
let next = 0;
async function lane() {
  while (next < blobs.length) {
    const blob = blobs[next++];
    const file = path.join(folder, ...blob.name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    const response = await container.getBlobClient(blob.name).download(0, undefined, { maxRetryRequests: 5 });
    const hash = createHash('md5');
    const hashing = new Transform({
      transform(chunk, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(response.readableStreamBody, hashing, createWriteStream(file));
    const expected = blob.properties.contentMD5 && Buffer.from(blob.properties.contentMD5).toString('base64');
    if (expected && hash.digest('base64') !== expected) throw new Error(`${blob.name}: MD5 mismatch`);
  }
}
await Promise.all(Array.from({ length: 64 }, lane));
