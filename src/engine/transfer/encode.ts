import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Encoding } from '../types.js';

export type ContentEncoding = Exclude<Encoding, 'none'>;

/**
 * Brotli quality, chosen by measurement (`npm run bench:compress-levels`, docs/precompression.md): quality 6 encodes
 * text about as fast as gzip -9 and a little smaller, and each step above it returns far fewer bytes per CPU second.
 */
export const BROTLI_QUALITY = 6;
/** gzip -9: the smallest deflate output; deflate is cheap enough at every level. */
export const GZIP_LEVEL = 9;

/**
 * Fixed encoder settings, so the same input always gives the same bytes (for one Node/zlib version): no size hints
 * that would differ between runs, no timestamps, and the gzip header's OS byte set to Unix on every platform.
 */
function brotliOptions(): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
    },
  };
}

const GZIP_OPTIONS: zlib.ZlibOptions = { level: GZIP_LEVEL, windowBits: 15, memLevel: 8 };

/** Byte 9 of a gzip member header names the OS that wrote it (RFC 1952); zlib writes 3 on Unix, 10 on Windows. */
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNIX = 3;

const brotliCompress = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Encodes a whole buffer on libuv's thread pool (the event loop stays free for the transfers). */
export async function encodeBuffer(body: Buffer, encoding: ContentEncoding): Promise<Buffer> {
  if (encoding === 'br') return brotliCompress(body, brotliOptions());
  const encoded = await gzip(body, GZIP_OPTIONS);
  encoded[GZIP_OS_OFFSET] = GZIP_OS_UNIX;
  return encoded;
}

/** A streaming encoder with the same settings as `encodeBuffer`; `fixHeader` must see every output chunk in order. */
export function createEncoder(encoding: ContentEncoding): {
  stream: zlib.Gzip | zlib.BrotliCompress;
  fixHeader: (chunk: Buffer, at: number) => void;
} {
  if (encoding === 'br') return { stream: zlib.createBrotliCompress(brotliOptions()), fixHeader: () => {} };
  return {
    stream: zlib.createGzip(GZIP_OPTIONS),
    fixHeader: (chunk, at) => {
      if (at <= GZIP_OS_OFFSET && GZIP_OS_OFFSET < at + chunk.length) chunk[GZIP_OS_OFFSET - at] = GZIP_OS_UNIX;
    },
  };
}
