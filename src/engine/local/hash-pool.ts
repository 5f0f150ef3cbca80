import { Worker } from 'node:worker_threads';
import { HASH_WORKER_SOURCE } from './hash-worker-source.js';

/** One answer per path, in order: the base64 MD5, or why that file could not be read (an error code). */
export interface BatchResult {
  md5s: (string | null)[];
  errors: (string | null)[];
}

interface Job {
  id: number;
  paths: string[];
  sizes?: number[];
  resolve(result: BatchResult): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Job>;
}

/** Each worker holds the next batch while it hashes the current one, so it never waits for a message round trip. */
const BATCHES_PER_WORKER = 2;
/** Read size inside a worker: large enough for few syscalls, small enough that memory stays flat. */
const CHUNK_BYTES = 1 << 20;

/**
 * A fixed set of worker threads hashing batches of files. Batches go to the least busy worker; a worker that dies
 * fails only its own batches (the caller can hash those another way), and `close()` terminates every worker so the
 * process exits promptly.
 *
 * Written by hand in place of a worker-pool library (piscina, workerpool): those start their workers from a file, and
 * the entry points ship as single bundles without one (the worker runs from source, hash-worker-source.ts). What would
 * let it go: a bundle that ships a worker file beside the entry point, or a pool library that takes worker source.
 */
export class HashPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 0;
  private isClosed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Hashes the files at `paths` in one message to a worker; `sizes`, the sizes the scan saw, save a read a file. */
  hash(paths: string[], sizes?: number[]): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      if (this.slots.length === 0) return reject(new Error('every hashing worker has stopped'));
      this.queue.push({ id: this.nextId++, paths, sizes, resolve, reject });
      this.dispatch();
    });
  }

  /** Set once `close()` was called: a batch that fails after that was cancelled, not lost to a dying worker. */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    this.isClosed = true;
    const slots = this.slots.splice(0);
    for (const job of this.queue.splice(0)) job.reject(new Error('the hashing pool was closed'));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = new Worker(HASH_WORKER_SOURCE, {
      eval: true,
      // Only built-ins are needed: no loaders (tsx in tests) to start in every worker.
      execArgv: [],
      workerData: { chunkBytes: CHUNK_BYTES },
    });
    const slot: Slot = { worker, inFlight: new Map() };
    worker.on('message', (message: BatchResult & { id: number }) => {
      const job = slot.inFlight.get(message.id);
      if (!job) return;
      slot.inFlight.delete(message.id);
      job.resolve({ md5s: message.md5s, errors: message.errors });
      this.dispatch();
    });
    const fail = (error: Error) => this.retire(slot, error);
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a hashing worker exited with code ${code}`)));
    return slot;
  }

  /** A worker that failed takes only its own batches down; the queue moves on to the others. */
  private retire(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    for (const job of slot.inFlight.values()) job.reject(error);
    slot.inFlight.clear();
    if (this.slots.length === 0) for (const job of this.queue.splice(0)) job.reject(error);
    else this.dispatch();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.reduce<Slot | undefined>(
        (best, candidate) => (!best || candidate.inFlight.size < best.inFlight.size ? candidate : best),
        undefined,
      );
      if (!slot || slot.inFlight.size >= BATCHES_PER_WORKER) return;
      const job = this.queue.shift()!;
      slot.inFlight.set(job.id, job);
      slot.worker.postMessage({ id: job.id, paths: job.paths, sizes: job.sizes });
    }
  }
}
