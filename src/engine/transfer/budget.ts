/**
 * A byte budget shared by every transfer in a run: block buffers are taken from it before they are read and given
 * back once sent, so memory stays bounded however many large files are in flight.
 */
export class ByteBudget {
  private available: number;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];

  constructor(private readonly capacity: number) {
    this.available = capacity;
  }

  /** Waits for `bytes` (a request larger than the whole budget waits for all of it). Returns what it took. */
  async acquire(bytes: number): Promise<number> {
    const want = Math.min(bytes, this.capacity);
    if (this.waiters.length === 0 && this.available >= want) {
      this.available -= want;
      return want;
    }
    await new Promise<void>((resolve) => this.waiters.push({ bytes: want, resolve }));
    return want;
  }

  release(bytes: number): void {
    this.available += bytes;
    // First come, first served: a large request is not starved by a stream of small ones.
    while (this.waiters.length > 0 && this.available >= this.waiters[0]!.bytes) {
      const next = this.waiters.shift()!;
      this.available -= next.bytes;
      next.resolve();
    }
  }
}
