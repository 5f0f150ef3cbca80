/**
 * The hashing worker's code, as a string run with `new Worker(source, { eval: true })`. A string because the entry
 * points ship as single ncc bundles: ncc does not follow `new Worker(new URL(...))`, so a separate worker file would
 * be missing from dist/. It is plain CommonJS using only Node built-ins, so neither tsx nor ncc rewrites it.
 *
 * Protocol: the worker receives `{ id, paths, sizes? }` and answers `{ id, md5s, errors }` with one entry per path:
 * the base64 MD5, or the error code (ENOENT, EACCES, EISDIR...) when that file could not be read. One bad file never
 * stops the batch. Files are read in fixed chunks into one reused buffer, so memory stays flat whatever the file
 * sizes. A read that comes back short once the size the scan saw is in is the file's end: the read that would return
 * nothing is saved, one system call in four for a small file. A file that grew is read to its end, as is one that
 * shrank.
 */
export const HASH_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');

const buffer = Buffer.allocUnsafe(workerData.chunkBytes);

function md5OfFile(path, expectedSize) {
  const fd = openSync(path, 'r');
  try {
    const hash = createHash('md5');
    let total = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      hash.update(read === buffer.length ? buffer : buffer.subarray(0, read));
      total += read;
      if (read < buffer.length && total === expectedSize) break;
    }
    return hash.digest('base64');
  } finally {
    closeSync(fd);
  }
}

parentPort.on('message', ({ id, paths, sizes }) => {
  const md5s = new Array(paths.length).fill(null);
  const errors = new Array(paths.length).fill(null);
  for (let i = 0; i < paths.length; i++) {
    try {
      md5s[i] = md5OfFile(paths[i], sizes ? sizes[i] : -1);
    } catch (error) {
      errors[i] = (error && error.code) || String(error);
    }
  }
  parentPort.postMessage({ id, md5s, errors });
});
`;
