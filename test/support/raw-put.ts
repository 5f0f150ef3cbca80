import http from 'node:http';
import { type ContainerClient, ContainerSASPermissions } from '@azure/storage-blob';

/** Puts a blob under its literal name, as a raw request that no URL parser touched (what another tool may do). */
export async function putLiteral(container: ContainerClient, name: string, body: string): Promise<void> {
  const { search: sas } = new URL(
    await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse('rw'),
      expiresOn: new Date(Date.now() + 600_000),
    }),
  );
  const url = new URL(container.url);
  await new Promise<void>((resolve, reject) => {
    const request = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'PUT',
        path: `${url.pathname}/${name}${sas}`,
        headers: { 'x-ms-blob-type': 'BlockBlob', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          response.statusCode === 201 ? resolve() : reject(new Error(`${response.statusCode}`)),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
