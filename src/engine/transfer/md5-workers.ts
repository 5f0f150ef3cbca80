import { createHash, type Hash } from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * The MD5 of a file's bytes as they arrive, in order. A large download's bytes are hashed on worker threads, so the
 * event loop goes on reading the other files while these are hashed: on one thread, hashing four large files at once
 * kept it busy most of the run. The bytes are copied into one buffer a piece and moved to the worker; at most
 * BACKLOG_BYTES a file wait there, so a slow hash holds its download back rather than filling the memory.
 */
export interface StreamHash {
  /** Takes the next bytes; resolves once the backlog leaves room (the caller may reuse its buffers at once). */
  update(pieces: readonly Buffer[]): Promise<void>;
  /** The base64 MD5 of everything taken. */
  digest(): Promise<string>;
  /** Bytes taken so far. */
  readonly written: number;
}

/** Files at least this large are hashed on a worker thread; smaller ones on the event loop. */
const THREAD_FROM = 32 * 1024 * 1024;
/** Bytes of one file at the worker, not yet hashed, before `update` waits. */
const BACKLOG_BYTES = 4 * 1024 * 1024;

/** The worker's code, run with `eval` (the entry points ship as single bundles, see local/hash-worker-source.ts). */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', ({ id, bytes, end }) => {
  let hash = hashes.get(id);
  if (!hash) hashes.set(id, (hash = createHash('md5')));
  if (bytes) hash.update(new Uint8Array(bytes));
  if (end) hashes.delete(id);
  parentPort.postMessage({ id, done: bytes ? bytes.byteLength : 0, md5: end ? hash.digest('base64') : undefined });
});
`;

interface Stream {
  backlog: number;
  /** Resolves the `update` waiting for room, if any. */
  room?: () => void;
  digest?: (md5: string) => void;
}

/**
 * The run's hashing threads: started at the first large file, shared by all of them, ended by `close`. Hand-written,
 * as hash-pool.ts is and for the same reason (a pool library starts its workers from a file the bundles do not ship);
 * unlike that pool it takes a stream's bytes in order, not paths. What would let it go: the same as hash-pool.ts.
 */
export class Md5Workers {
  private readonly workers: Worker[] = [];
  private readonly streams = new Map<number, Stream>();
  private next = 0;

  constructor(private readonly size = Math.max(1, Math.min(2, os.availableParallelism() - 1))) {}

  /** A hash for a file of this size: on a worker when it is large, on the event loop otherwise. */
  hashFor(fileSize: number): StreamHash {
    return fileSize >= THREAD_FROM ? this.threaded() : inPlace();
  }

  /** Ends the threads (safe when none started, and twice). */
  async close(): Promise<void> {
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private threaded(): StreamHash {
    const id = this.next++;
    const worker = this.worker(id);
    const stream: Stream = { backlog: 0 };
    this.streams.set(id, stream);
    let written = 0;
    return {
      update: async (pieces) => {
        // One buffer of its own (never a view into Node's shared pool, which moving would take from everyone).
        const bytes = Buffer.allocUnsafeSlow(pieces.reduce((sum, piece) => sum + piece.length, 0));
        let at = 0;
        for (const piece of pieces) at += piece.copy(bytes, at);
        written += bytes.length;
        stream.backlog += bytes.length;
        const moved = bytes.buffer as ArrayBuffer;
        worker.postMessage({ id, bytes: moved }, [moved]);
        if (stream.backlog > BACKLOG_BYTES) await new Promise<void>((resolve) => (stream.room = resolve));
      },
      digest: () =>
        new Promise<string>((resolve) => {
          stream.digest = resolve;
          worker.postMessage({ id, end: true });
        }),
      get written() {
        return written;
      },
    };
  }

  private worker(id: number): Worker {
    if (this.workers.length < this.size) {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on('message', (message: { id: number; done: number; md5?: string }) => this.heard(message));
      // A thread that fails ends its files' hashes empty: they fail verification instead of waiting for ever.
      worker.on('error', () => {
        for (const [id, stream] of this.streams) this.heard({ id, done: stream.backlog, md5: '' });
      });
      this.workers.push(worker);
    }
    return this.workers[id % this.workers.length]!;
  }

  private heard({ id, done, md5 }: { id: number; done: number; md5?: string }): void {
    const stream = this.streams.get(id);
    if (!stream) return;
    stream.backlog -= done;
    if (stream.room && stream.backlog <= BACKLOG_BYTES) {
      const room = stream.room;
      stream.room = undefined;
      room();
    }
    if (md5 !== undefined) {
      this.streams.delete(id);
      stream.digest?.(md5);
    }
  }
}

function inPlace(): StreamHash {
  const hash: Hash = createHash('md5');
  let written = 0;
  return {
    update: async (pieces) => {
      for (const piece of pieces) {
        written += piece.length;
        hash.update(piece);
      }
    },
    digest: async () => hash.digest('base64'),
    get written() {
      return written;
    },
  };
}
