import { FeedEntry } from '@examhall/shared';
import type { RedisClient } from '../store/redis.js';

/** Lines kept per center; a snapshot shows the newest of its centers' lines. */
const KEEP_PER_CENTER = 200;
/** A sitting's history outlives the sitting by a day at most. */
const TTL_S = 2 * 24 * 3600;

/**
 * The recent live-feed lines of each center, in a capped Redis list, so that a proctor who opens
 * or reloads the dashboard sees what just happened instead of an empty feed.
 */
export class FeedHistory {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(sittingId: string, centerId: string): string {
    return `${this.prefix}:feed:${sittingId}:${centerId}`;
  }

  /** Best effort, not awaited by the feed: the live delta has already gone out. */
  append(sittingId: string, centerId: string, lines: readonly FeedEntry[]): void {
    if (lines.length === 0) return;
    const key = this.key(sittingId, centerId);
    const oldestFirst = [...lines].sort((a, b) => a.at - b.at).map((line) => JSON.stringify(line));
    this.redis.multi().lpush(key, ...oldestFirst).ltrim(key, 0, KEEP_PER_CENTER - 1).expire(key, TTL_S).exec().catch(() => undefined);
  }

  /** The newest `limit` lines over these centers, newest first; [] if Redis does not answer within a second. */
  async recent(sittingId: string, centerIds: readonly string[], limit = KEEP_PER_CENTER): Promise<FeedEntry[]> {
    if (centerIds.length === 0) return [];
    // one LRANGE per center, not a pipeline: in a cluster the centers' lists live on different nodes
    const readCenter = (center: string) => this.redis.lrange(this.key(sittingId, center), 0, limit - 1).catch((): string[] => []);
    const read = Promise.all(centerIds.map(readCenter));
    const results = await Promise.race([read, new Promise<[]>((resolve) => setTimeout(() => resolve([]), 1000).unref())]);
    const lines: FeedEntry[] = [];
    for (const values of results) {
      for (const raw of values) {
        const parsed = FeedEntry.safeParse(safeJson(raw));
        if (parsed.success) lines.push(parsed.data);
      }
    }
    return lines.sort((a, b) => b.at - a.at).slice(0, limit);
  }
}

function safeJson(raw: unknown): unknown {
  try {
    return JSON.parse(String(raw));
  } catch {
    return null;
  }
}
