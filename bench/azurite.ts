import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEV_ACCOUNT } from '../src/auth/urls.js';
import { findAzurite } from '../src/emulator/azurite.js';

export type AzuriteMode = 'memory' | 'disk';

/** Azurite for one bench run, counting the requests it serves from its access log (one line per request). */
export interface CountingAzurite {
  serviceUrl: string;
  connectionString: string;
  pid: number;
  /** Requests served so far. */
  requests(): number;
  /** Blob writes so far: Put Blob and Put Block List (not blocks, properties or metadata). */
  uploads(): number;
  /** Requests that delete: Delete Blob, and Blob Batch (one request, up to 256 deletes). */
  deleteRequests(): number;
  /** Waits until the access log has caught up with the requests already answered. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const REQUEST_LINE = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3})/;

export async function startCountingAzurite(mode: AzuriteMode): Promise<CountingAzurite> {
  const location = mode === 'disk' ? await mkdtemp(path.join(os.tmpdir(), 'abs-bench-azurite-')) : undefined;
  const args = [
    findAzurite(),
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    ...(location ? ['--location', location] : ['--inMemoryPersistence']),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let requests = 0;
  let uploads = 0;
  let deletes = 0;
  let lastLine = Date.now();
  let stderr = '';
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Azurite did not start:\n${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`Azurite exited with code ${code}:\n${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lastLine = Date.now();
      const listening = /listens on https?:\/\/[^:]+:(\d+)/.exec(line);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
        return;
      }
      const request = REQUEST_LINE.exec(line);
      if (!request) return;
      requests++;
      const [, method, url] = request;
      const [pathname = '', query = ''] = url!.split('?');
      const isBlob = pathname.split('/').filter(Boolean).length >= 3;
      const comp = /(?:^|&)comp=([^&]+)/.exec(query)?.[1];
      if (method === 'PUT' && isBlob && (comp === undefined || comp === 'blocklist')) uploads++;
      if ((method === 'DELETE' && isBlob) || (method === 'POST' && comp === 'batch')) deletes++;
    });
  });

  const serviceUrl = `http://127.0.0.1:${port}/${DEV_ACCOUNT.name}`;
  return {
    serviceUrl,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT.name};AccountKey=${DEV_ACCOUNT.key};BlobEndpoint=${serviceUrl};`,
    pid: child.pid ?? 0,
    requests: () => requests,
    uploads: () => uploads,
    deleteRequests: () => deletes,
    async settle() {
      while (Date.now() - lastLine < 150) await new Promise((resolve) => setTimeout(resolve, 50));
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (location) await rm(location, { recursive: true, force: true });
    },
  };
}
