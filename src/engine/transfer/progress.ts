import type { Progress, SyncEvents } from '../types.js';

/** Counts a phase's files and bytes, and reports each step as a progress event. */
export class ProgressCounter {
  private readonly state: Progress;

  constructor(
    phase: Progress['phase'],
    private readonly events: SyncEvents,
    total: number,
    bytesTotal: number,
  ) {
    this.state = { phase, done: 0, total, bytesDone: 0, bytesTotal };
  }

  addBytes(bytes: number): void {
    this.state.bytesDone += bytes;
    this.events.progress?.({ ...this.state });
  }

  fileDone(): void {
    this.state.done++;
    this.events.progress?.({ ...this.state });
  }
}
