import { RosterRow, type ProctorDelta, type RosterSnapshot } from '@examhall/shared';
import { countRow, emptyCounters, type ProctorCounters } from './counters.js';

export type DeltaPatch = ProctorDelta['patches'][number];

/** What one patch did: applied, older than the snapshot, or for a candidate the roster does not hold. */
export type PatchOutcome = 'applied' | 'stale' | 'unknown';

const FINAL = new Set(['submitted', 'auto_submitted', 'terminated']);

/**
 * The live roster: rows by candidate id, replaced by a snapshot and patched by deltas under the
 * freshness rule (a patch stamped before the snapshot's takenAt is already in it). Rows are
 * replaced, never mutated, so a view can compare them by identity.
 */
export class RosterStore {
  readonly rows = new Map<string, RosterRow>();
  readonly counters: ProctorCounters = emptyCounters();
  takenAt = 0;
  /** paused rows: the time left when the server last reported them, which stays put */
  private readonly frozen = new Map<string, number>();

  reset(snapshot: RosterSnapshot): void {
    this.rows.clear();
    this.frozen.clear();
    Object.assign(this.counters, emptyCounters());
    this.takenAt = snapshot.takenAt;
    for (const row of snapshot.rows) {
      this.rows.set(row.candidateId, row);
      countRow(this.counters, row, 1);
      this.freeze(row, undefined, snapshot.serverTime);
    }
  }

  apply(patch: DeltaPatch): PatchOutcome {
    if (patch.at < this.takenAt) return 'stale';
    const { at, ...fields } = patch;
    const before = this.rows.get(patch.candidateId);
    let next: RosterRow;
    if (before) {
      next = { ...before };
      for (const [key, value] of Object.entries(fields)) {
        if (value !== undefined) (next as Record<string, unknown>)[key] = value;
      }
      countRow(this.counters, before, -1);
    } else {
      // a candidate added after the snapshot can only be taken in from a complete row
      const whole = RosterRow.safeParse(fields);
      if (!whole.success) return 'unknown';
      next = whole.data;
    }
    this.rows.set(next.candidateId, next);
    countRow(this.counters, next, 1);
    this.freeze(next, before, at);
    return 'applied';
  }

  /**
   * Time left on the server's clock, never below 0; frozen while paused; 0 once final; null
   * before the start or without a deadline.
   */
  timeLeftMs(candidateId: string, serverNow: number): number | null {
    const row = this.rows.get(candidateId);
    if (!row) return null;
    if (FINAL.has(row.status)) return 0;
    if (row.status !== 'in_progress' || row.deadline === null) return null;
    const frozen = this.frozen.get(candidateId);
    if (row.paused && frozen !== undefined) return frozen;
    return Math.max(0, row.deadline - serverNow);
  }

  /** While paused the deadline is "if the pause ended at the report": time left = deadline − report time. */
  private freeze(row: RosterRow, before: RosterRow | undefined, reportedAt: number): void {
    if (!row.paused || row.deadline === null) {
      this.frozen.delete(row.candidateId);
      return;
    }
    const changed = !before || !before.paused || before.deadline !== row.deadline || !this.frozen.has(row.candidateId);
    if (changed) this.frozen.set(row.candidateId, Math.max(0, row.deadline - reportedAt));
  }
}
