import type { FeedEntry } from '@examhall/shared';

const key = (line: FeedEntry) => `${line.at}|${line.candidateId}|${line.kind}|${line.text}`;
const newestFirst = (a: FeedEntry, b: FeedEntry) => b.at - a.at;

/** how many recent lines are remembered to recognise one delivered twice */
const RECENT_KEYS = 4_000;

/**
 * The live feed, newest first, capped. A line seen before (listed in the snapshot, or delivered
 * again: a proctor in a center's and its district's rooms, a batch built around the snapshot's
 * moment) is recognised by its content among the recent ones and not shown or measured twice.
 */
export class FeedLog {
  private list: FeedEntry[] = [];
  private readonly recent = new Set<string>();
  private readonly recentOrder: string[] = [];

  constructor(private readonly limit: number) {}

  get lines(): readonly FeedEntry[] {
    return this.list;
  }

  reset(snapshotFeed: readonly FeedEntry[]): void {
    this.list = [...snapshotFeed].sort(newestFirst).slice(0, this.limit);
    for (const line of snapshotFeed) this.remember(key(line));
  }

  /** Takes a delta's lines in; returns the new ones, newest first. */
  add(lines: readonly FeedEntry[]): FeedEntry[] {
    const fresh = lines.filter((line) => this.remember(key(line))).sort(newestFirst);
    if (fresh.length === 0) return fresh;
    // usually the new lines are the newest; a late batch from another center is merged in place
    const merged = fresh.concat(this.list);
    if (this.list.length > 0 && fresh[fresh.length - 1]!.at < this.list[0]!.at) merged.sort(newestFirst);
    this.list = merged.length > this.limit ? merged.slice(0, this.limit) : merged;
    return fresh;
  }

  /** false when the key was seen recently */
  private remember(lineKey: string): boolean {
    if (this.recent.has(lineKey)) return false;
    this.recent.add(lineKey);
    this.recentOrder.push(lineKey);
    if (this.recentOrder.length > Math.max(RECENT_KEYS, this.limit) * 2) {
      for (const old of this.recentOrder.splice(0, this.recentOrder.length - Math.max(RECENT_KEYS, this.limit))) this.recent.delete(old);
    }
    return true;
  }
}

/**
 * Commit → proctor latency: for each live `saved` line, the corrected server clock at arrival
 * minus the line's `at` (its commit time). Keeps the newest `max` (trimmed in bulk).
 */
export class LatencySamples {
  private list: number[] = [];

  constructor(private readonly max: number) {}

  get samples(): readonly number[] {
    return this.list;
  }

  record(lines: readonly FeedEntry[], serverNow: number): void {
    for (const line of lines) if (line.kind === 'saved') this.list.push(serverNow - line.at);
    if (this.list.length >= 2 * this.max) this.list = this.list.slice(-this.max);
  }

  /** Returns the samples and starts a new series. */
  take(): number[] {
    const taken = this.list.length > this.max ? this.list.slice(-this.max) : this.list;
    this.list = [];
    return taken;
  }
}
