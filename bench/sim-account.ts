import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One blob the simulated container holds. */
export interface SimBlob {
  name: string;
  size: number;
  md5: string;
  contentType: string;
}

export interface SimAccount {
  /** The container URL with a SAS the sync accepts (the signature is not checked). */
  containerUrl: string;
  /** Requests answered, by method. */
  requests(): Record<string, number>;
  stop(): Promise<void>;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A stand-in for a storage account that answers List Blobs for a generated container, page by page on the fly, in
 * the service's order and format (Azurite cannot take in a million blobs in useful time). Writes are refused with
 * 501: a re-sync with nothing changed sends none. For benchmarks only.
 */
export async function startSimAccount(blobs: readonly SimBlob[], container = 'sim'): Promise<SimAccount> {
  const sorted = [...blobs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const counts: Record<string, number> = {};
  const server: Server = createServer((request, response) => {
    counts[request.method ?? '?'] = (counts[request.method ?? '?'] ?? 0) + 1;
    const url = new URL(request.url ?? '/', 'http://sim');
    if (request.method !== 'GET' || url.searchParams.get('comp') !== 'list') {
      response.writeHead(501, { 'x-ms-error-code': 'NotImplemented' }).end();
      return;
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const pageSize = Number(url.searchParams.get('maxresults') ?? 5000);
    const marker = url.searchParams.get('marker') ?? '';
    let index = marker ? Number(marker) : lowerBound(sorted, prefix);
    response.writeHead(200, { 'content-type': 'application/xml', 'x-ms-version': '2025-01-05' });
    // Written out in pieces of about 64 KB, as a server's output buffer does: a write per blob made each blob a frame
    // of its own on the wire, which the client then paid for (a read and a parser call per 300 bytes).
    let out = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="${container}"><Blobs>`;
    let written = 0;
    for (; index < sorted.length && written < pageSize; index++, written++) {
      const blob = sorted[index]!;
      if (!blob.name.startsWith(prefix)) {
        index = sorted.length;
        break;
      }
      out +=
        `<Blob><Name>${escapeXml(blob.name)}</Name><Properties><Content-Length>${blob.size}</Content-Length>` +
        `<Content-Type>${blob.contentType}</Content-Type><Content-MD5>${blob.md5}</Content-MD5>` +
        `<Etag>0x8DC${index.toString(16).padStart(12, '0')}</Etag><BlobType>BlockBlob</BlobType></Properties></Blob>`;
      if (out.length >= 65536) {
        response.write(out);
        out = '';
      }
    }
    const more = index < sorted.length && sorted[index]!.name.startsWith(prefix);
    response.end(`${out}</Blobs><NextMarker>${more ? index : ''}</NextMarker></EnumerationResults>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    containerUrl: `http://127.0.0.1:${port}/devstoreaccount1/${container}?sv=2022-11-02&sp=rwdl&se=2099-01-01T00%3A00%3A00Z&sig=simulated`,
    requests: () => ({ ...counts }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function lowerBound(sorted: readonly SimBlob[], prefix: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]!.name < prefix) low = mid + 1;
    else high = mid;
  }
  return low;
}
