import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import pLimit from 'p-limit';
import type { LocalFile } from './types.js';

/** Base64 MD5 of a file, streamed so memory stays flat whatever the size. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/**
 * Fills in `md5` on each file. Errors are returned per file rather than thrown, so one unreadable file does not stop
 * the run.
 */
export async function hashFiles(
  files: readonly LocalFile[],
  concurrency: number,
  onHashed?: (file: LocalFile) => void,
): Promise<Map<LocalFile, string>> {
  const errors = new Map<LocalFile, string>();
  const limit = pLimit(concurrency);
  await Promise.all(
    files.map((file) =>
      limit(async () => {
        try {
          file.md5 = await md5OfFile(file.path);
          onHashed?.(file);
        } catch (error) {
          errors.set(file, (error as NodeJS.ErrnoException).code ?? String(error));
        }
      }),
    ),
  );
  return errors;
}
