import type { FeedEntry, ProctorDelta, RosterSnapshot } from '@examhall/shared';
import { FeedLog, LatencySamples } from './feed.js';
import { RosterStore } from './roster.js';

/** What the client did with the frames it got, for tests and diagnostics. */
export interface ProctorStats {
  snapshots: number;
  deltas: number;
  patchesApplied: number;
  /** stamped before the snapshot's takenAt: already in it */
  stalePatches: number;
  /** for a candidate the roster does not hold, without a complete row */
  unknownPatches: number;
  /** for another sitting than the snapshot's */
  foreignDeltas: number;
  malformedFrames: number;
}

/** The roster, the feed and the latency samples, fed by snapshots and deltas. No I/O. */
export class LiveRoster {
  readonly store = new RosterStore();
  readonly feed: FeedLog;
  readonly latency: LatencySamples;
  readonly stats: ProctorStats = { snapshots: 0, deltas: 0, patchesApplied: 0, stalePatches: 0, unknownPatches: 0, foreignDeltas: 0, malformedFrames: 0 };
  private sittingId: string | undefined;

  constructor(feedLimit: number, maxLatencySamples: number) {
    this.feed = new FeedLog(feedLimit);
    this.latency = new LatencySamples(maxLatencySamples);
  }

  reset(snapshot: RosterSnapshot): void {
    this.stats.snapshots++;
    this.sittingId = snapshot.scope.sittingId;
    this.store.reset(snapshot);
    this.feed.reset(snapshot.feed);
  }

  /** Applies deltas in order; returns the changed candidate ids (each once) and the new feed lines. */
  apply(deltas: readonly ProctorDelta[], serverNow: () => number): { changed: string[]; lines: FeedEntry[] } {
    const changed = new Set<string>();
    const lines: FeedEntry[] = [];
    for (const delta of deltas) {
      this.stats.deltas++;
      if (delta.sittingId !== this.sittingId) {
        this.stats.foreignDeltas++;
        continue;
      }
      for (const patch of delta.patches) {
        const outcome = this.store.apply(patch);
        if (outcome === 'applied') {
          this.stats.patchesApplied++;
          changed.add(patch.candidateId);
        } else if (outcome === 'stale') this.stats.stalePatches++;
        else this.stats.unknownPatches++;
      }
      lines.push(...delta.feed);
    }
    const fresh = this.feed.add(lines);
    this.latency.record(fresh, serverNow());
    return { changed: [...changed], lines: fresh };
  }
}
