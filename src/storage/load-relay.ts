import type { LoadListener } from '../engine/ports/destination.js';

/**
 * Passes the retry loop's word on the service's load (see retrying) to whoever listens: the pipeline and the lean Put
 * Blob are built when the run connects, the listener (the sync's concurrency) comes later, with the destination.
 */
export class LoadRelay implements LoadListener {
  private listener?: LoadListener;

  listen(listener: LoadListener): void {
    this.listener = listener;
  }

  busy(sentAt: number): void {
    this.listener?.busy(sentAt);
  }

  healthy(): void {
    this.listener?.healthy();
  }
}
