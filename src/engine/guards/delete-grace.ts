import type { SyncDestination } from '../ports/destination.js';
import type { GraceReport, Plan, SourceEntry, SyncEvents } from '../types.js';
import { applyGrace, GRACE_STATE_NAME, type GraceChanges } from './grace.js';
import { type LoadedGrace, loadGrace, saveGrace } from './grace-store.js';

/** Either a value or the error that stood in its way, so the error waits until the run is ready for it. */
type Settled<T> = { value: T } | { error: unknown };

/**
 * One run's delete grace, start to end: the state is loaded while the destination is listed, its names are watched in
 * the listing, the plan's deletes are split into those due and those kept, and the state is saved after the deletes.
 */
export class DeleteGrace {
  private loaded?: LoadedGrace;
  private changes?: GraceChanges;
  private state: GraceReport['state'] = 'not saved';

  private constructor(
    private readonly destination: SyncDestination,
    private readonly stateName: string,
    private readonly graceMs: number,
    private readonly loading: Promise<Settled<LoadedGrace>>,
  ) {}

  /** Starts reading the state blob (small, read while the listing runs). */
  static load(destination: SyncDestination, stateName: string, graceMs: number): DeleteGrace {
    const loading = loadGrace(destination, stateName).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    return new DeleteGrace(destination, stateName, graceMs, loading);
  }

  /** The names in the state, which the listing must say are still there or gone; none when it could not be read. */
  async watched(): Promise<{ has(name: string): boolean } | undefined> {
    const outcome = await this.loading;
    return 'value' in outcome ? outcome.value.state : undefined;
  }

  /** The plan with only the deletes whose grace has passed; the others are `kept`. */
  async apply<E extends SourceEntry>(
    plan: Plan<E>,
    listed: { has(name: string): boolean },
    events: SyncEvents,
  ): Promise<Plan<E>> {
    const outcome = await this.loading;
    if ('error' in outcome) throw outcome.error;
    this.loaded = outcome.value;
    if (this.loaded.damaged) events.warning?.(DAMAGED_STATE);
    const applied = applyGrace(plan, this.loaded.state, listed, this.graceMs, Date.now());
    this.changes = applied.changes;
    return applied.plan;
  }

  /** Records the run's deletes (none when a failure held them back) and saves the state with a conditional write. */
  async save(deleted: readonly string[], events: SyncEvents): Promise<void> {
    if (!this.loaded || !this.changes) return;
    deleted.forEach((name) => this.changes!.removed.add(name));
    this.state = await saveGrace(this.destination, this.stateName, this.loaded, this.changes);
    if (this.state === 'conflict') events.warning?.(STATE_CONFLICT);
  }

  report(plan: Plan): GraceReport {
    const kept = plan.kept ?? [];
    const next = kept[0]?.goesAt;
    return {
      graceMs: this.graceMs,
      kept: kept.length,
      nextDeleteAt: next === undefined ? undefined : new Date(next).toISOString(),
      state: this.state,
    };
  }
}

const DAMAGED_STATE = `The delete grace state (${GRACE_STATE_NAME}) could not be read; it is written anew, and every blob absent from the source starts its grace again.`;
const STATE_CONFLICT = `Other runs kept rewriting the delete grace state (${GRACE_STATE_NAME}), so this run's changes to it were not saved; the next run records them (blobs are kept longer, never deleted sooner).`;
