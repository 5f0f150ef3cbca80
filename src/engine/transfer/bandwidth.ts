import type { SyncDestination } from '../ports/destination.js';

/** How long an idle cap saves up for: short pauses between bodies are made up, no longer burst goes through. */
const BURST_SECONDS = 0.5;

export interface CapClock {
  /** Milliseconds, only differences count. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: CapClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A bandwidth cap shared by every transfer of a run (uploads, copies, downloads): a token bucket that each body pays
 * into before it is sent. `take(bytes)` resolves when those bytes may go. The bucket starts empty and may run into
 * debt, so a body larger than the burst still goes, once the rate has paid for it, and takers go in the order they
 * asked. Bytes sent over any few seconds so stay under the rate, plus at most half a second's worth saved while idle.
 */
export class BandwidthCap {
  private tokens = 0;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly clock: CapClock = REAL_CLOCK,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError('a bandwidth cap must be a positive number of bytes a second');
    this.last = clock.now();
  }

  /** A cap of `mbps` megabits (10^6 bits) a second, as AzCopy's `--cap-mbps` counts them. */
  static megabits(mbps: number, clock?: CapClock): BandwidthCap {
    return new BandwidthCap((mbps * 1_000_000) / 8, clock);
  }

  /** Waits until `bytes` may be sent. */
  async take(bytes: number): Promise<void> {
    const now = this.clock.now();
    const capacity = this.bytesPerSecond * BURST_SECONDS;
    this.tokens = Math.min(capacity, this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) await this.clock.sleep((-this.tokens / this.bytesPerSecond) * 1000);
  }
}

/**
 * The destination with every body it is sent paid for first: a put or a staged block by its length, a copy by the
 * blob's size (the service moves those bytes for the run). Listing, headers and deletes carry no body and go as they
 * are.
 */
export function pacedDestination(destination: SyncDestination, cap: BandwidthCap): SyncDestination {
  const paced: Pick<SyncDestination, 'put' | 'stage' | 'copyFrom'> = {
    put: async (blobName, body, headers, options) => {
      await cap.take(body.length);
      return destination.put(blobName, body, headers, options);
    },
    stage: async (blobName, blockId, body, options) => {
      await cap.take(body.length);
      return destination.stage(blobName, blockId, body, options);
    },
    copyFrom: async (blobName, request) => {
      await cap.take(request.size);
      return destination.copyFrom(blobName, request);
    },
  };
  // Everything else is the destination's own, called on it.
  return new Proxy(destination, {
    get: (target, key) => {
      if (Object.hasOwn(paced, key)) return paced[key as keyof typeof paced];
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
