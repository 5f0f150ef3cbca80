// The emulator's floor for a download of many small files: every blob fetched with a plain keep-alive GET, 64 at
// once, and its bytes thrown away (no local folder, no diff, no verification). No client that writes the files can
// be faster than the service serving them; this shows how much of a tool's time is the service's.
// Usage: node floor-download.mjs <container-sas-url>
import http from 'node:http';
import { ContainerClient } from '@azure/storage-blob';

const [sasUrl] = process.argv.slice(2);
const container = new ContainerClient(sasUrl);
const url = new URL(sasUrl);
const names = [];
for await (const blob of container.listBlobsFlat()) names.push(blob.name);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const get = (name) =>
  new Promise((resolve, reject) => {
    const path = `${url.pathname}/${name.split('/').map(encodeURIComponent).join('/')}${url.search}`;
    const request = http.get({ host: url.hostname, port: url.port, path, agent }, (response) => {
      if (response.statusCode !== 200) reject(new Error(`${name}: ${response.statusCode}`));
      response.resume();
      response.on('end', resolve);
    });
    request.on('error', reject);
  });
let next = 0;
async function lane() {
  while (next < names.length) await get(names[next++]);
}
await Promise.all(Array.from({ length: 64 }, lane));
agent.destroy();
