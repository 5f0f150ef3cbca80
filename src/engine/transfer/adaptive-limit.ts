import type { LoadListener } from '../ports/destination.js';

/** Where a run starts: enough to keep a remote account busy while the first responses show how much it takes. */
export const START_LIMIT = 16;
/** A busy response cuts the limit to this share (as TCP CUBIC does): a few cuts reach a safe level, none overshoots. */
const CUT = 0.7;

export interface LimitStats {
  /** Busy responses heard. */
  busy: number;
  /** Times the limit was cut. */
  cuts: number;
  /** The lowest limit the run came down to. */
  lowest: number;
}

/** A limit for ends that may report the service's load: adaptive when they can, else fixed at the ceiling. */
export function limitFor(ceiling: number, reportsLoad: boolean): AdaptiveLimit {
  return new AdaptiveLimit(ceiling, reportsLoad ? {} : { start: ceiling });
}

/**
 * How many transfers run at once, following the service's load (AIMD, as TCP's congestion control): the limit starts
 * at START_LIMIT (or the ceiling, when lower), doubles every round of healthy responses while demand presses on it (slow
 * start), cuts to 70 % when the service says it is busy, and after a cut grows by one every round of healthy responses.
 * A cut happens at most once per round: responses to tries sent before the last cut are already accounted for. The
 * ceiling (the concurrency option) is never exceeded; a limit that no queued work presses on does not grow.
 */
export class AdaptiveLimit implements LoadListener {
  private current: number;
  /** Slow start doubles up to here; after a cut, growth is one a round. */
  private threshold: number;
  /** Fractions of one step, earned by healthy responses after a cut. */
  private credit = 0;
  private active = 0;
  private lastCut = Number.NEGATIVE_INFINITY;
  private readonly queue = new Fifo<() => void>();
  private readonly counts: LimitStats;
  private readonly now: () => number;

  /**
   * `start` is where the limit begins (START_LIMIT by default): a run whose ends report no load starts, and stays, at
   * its ceiling, as nothing would ever raise it.
   */
  constructor(
    readonly ceiling: number,
    options: { start?: number; now?: () => number } = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.current = Math.max(1, Math.min(ceiling, options.start ?? START_LIMIT));
    this.threshold = ceiling;
    this.counts = { busy: 0, cuts: 0, lowest: this.current };
  }

  /** Transfers allowed at once right now. */
  get limit(): number {
    return this.current;
  }

  get stats(): LimitStats {
    return { ...this.counts };
  }

  /** Runs `task` once a slot is free (first come, first served). */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.slot();
    try {
      return await task();
    } finally {
      this.active--;
      this.wake();
    }
  }

  busy(sentAt: number): void {
    this.counts.busy++;
    if (sentAt < this.lastCut) return;
    this.lastCut = this.now();
    this.current = Math.max(1, Math.floor(this.current * CUT));
    this.threshold = this.current;
    this.credit = 0;
    this.counts.cuts++;
    this.counts.lowest = Math.min(this.counts.lowest, this.current);
  }

  healthy(): void {
    if (this.queue.size === 0 || this.current >= this.ceiling) return;
    if (this.current < this.threshold) {
      this.current++;
    } else {
      this.credit += 1 / this.current;
      if (this.credit < 1) return;
      this.credit -= 1;
      this.current++;
    }
    this.wake();
  }

  private slot(): Promise<void> {
    if (this.active < this.current && this.queue.size === 0) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private wake(): void {
    while (this.active < this.current && this.queue.size > 0) {
      this.active++;
      this.queue.shift()!();
    }
  }
}

/** A first-in, first-out queue whose `shift` does not move the rest (a plan may queue a million transfers). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
