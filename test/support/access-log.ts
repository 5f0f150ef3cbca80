import type { ContainerClient } from '@azure/storage-blob';
import type { RunningAzurite } from '../../src/emulator/azurite.js';

/** Access-log lines of requests made while `work` ran (Azurite started with `keepAccessLog`). */
export async function requestsDuring(azurite: RunningAzurite, work: () => Promise<void>): Promise<string[]> {
  const log = azurite.accessLog;
  const start = log.length;
  await work();
  await new Promise((resolve) => setTimeout(resolve, 200)); // the last lines of the log
  return log.slice(start);
}

/** Get Blob requests (a download) for a blob of the container; `comp=` requests read metadata, not content. */
export function downloadsFrom(lines: readonly string[], container: ContainerClient): string[] {
  const prefix = `"GET /${container.accountName}/${container.containerName}/`;
  return lines.filter((line) => line.includes(prefix) && !/[?&]comp=/.test(line.split('"')[1] ?? ''));
}

/** The response bytes of those Get Blob requests (the last field of each line). */
export function bytesDownloaded(lines: readonly string[], container: ContainerClient): number {
  return downloadsFrom(lines, container).reduce((sum, line) => sum + (Number(line.split(' ').at(-1)) || 0), 0);
}
