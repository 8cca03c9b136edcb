import { randomUUID } from 'node:crypto';
import { EVENTS, type FeedEntry, type FeedKind, type ProctorDelta, type RosterPatch } from '@examhall/shared';
import type { Logger } from '../observability/logger.js';
import { proctorRooms, type AttemptScope } from './rooms.js';
import type { ScopeDirectory } from './scope-directory.js';
import type { FeedHistory } from './feed-history.js';
import { metrics } from '../observability/metrics.js';

/** One change about one attempt: fields of its roster row, and/or a line for the live feed. */
export interface FeedRecord {
  patch?: Omit<RosterPatch, 'candidateId'>;
  line?: { kind: FeedKind; text: string };
  /** when it happened (server clock); default now */
  at?: number;
}

/** `/proctor` broadcasts through the Redis adapter: a Socket.IO namespace or an emitter's namespace (socket-adapter.ts). */
export interface ProctorBroadcaster {
  to(rooms: string[]): { emit(event: string, payload: ProctorDelta): unknown };
}

interface Pending {
  scope?: AttemptScope;
  patch: Omit<RosterPatch, 'candidateId'> | null;
  lines: { kind: FeedKind; text: string; at: number }[];
  at: number;
}

/** Feed lines kept per attempt and tick: a burst of saves is one line, not hundreds. */
const MAX_LINES_PER_ATTEMPT = 5;

/**
 * Collects changes from anywhere in this process and sends them to proctors in batches: every
 * `intervalMs`, one `proctor:delta` per center, to the rooms of that center, its district and the
 * sitting (a proctor in several of them gets it once). Patches of one attempt within a tick merge.
 */
export class ProctorFeed {
  private pending = new Map<string, Pending>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  /** this process, as deltas name it; a restarted process is a new source */
  private readonly source = randomUUID().slice(0, 13);
  /** deltas sent per center, for the proctors' gap check */
  private readonly seqs = new Map<string, number>();

  constructor(
    private readonly broadcaster: ProctorBroadcaster,
    private readonly directory: ScopeDirectory,
    private readonly logger: Logger,
    intervalMs = 250,
    /** where each center's recent lines are kept for snapshots */
    private readonly history?: FeedHistory,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  /** `scope` when the caller knows it (a gateway); otherwise it is looked up by attempt id. */
  record(attemptId: string, record: FeedRecord, scope?: AttemptScope): void {
    const at = record.at ?? Date.now();
    let entry = this.pending.get(attemptId);
    if (!entry) this.pending.set(attemptId, (entry = { patch: null, lines: [], at }));
    if (scope) entry.scope = scope;
    if (record.patch) entry.patch = { ...entry.patch, ...record.patch };
    if (record.line && entry.lines.length < MAX_LINES_PER_ATTEMPT) entry.lines.push({ ...record.line, at });
    entry.at = Math.max(entry.at, at);
  }

  /** Sends what is pending now (also called by the timer). */
  flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.send(batch)
      .catch((err: Error) => this.logger.warn({ err: err.message, attempts: batch.size }, 'proctor feed batch dropped'))
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  private async send(batch: Map<string, Pending>): Promise<void> {
    const unknown = [...batch].filter(([, p]) => !p.scope).map(([id]) => id);
    const looked = unknown.length ? await this.directory.resolve(unknown) : new Map<string, AttemptScope>();
    const byCenter = new Map<string, { scope: AttemptScope; delta: ProctorDelta }>();
    const sentAt = Date.now();
    for (const [attemptId, pending] of batch) {
      const scope = pending.scope ?? looked.get(attemptId);
      if (!scope) continue; // an attempt that no longer exists (a test schema dropped)
      const key = `${scope.sittingId}\u0000${scope.centerId}`;
      let group = byCenter.get(key);
      if (!group) {
        const seq = (this.seqs.get(key) ?? 0) + 1;
        this.seqs.set(key, seq);
        group = { scope, delta: { sittingId: scope.sittingId, centerId: scope.centerId, sentAt, source: this.source, seq, patches: [], feed: [] } };
        byCenter.set(key, group);
      }
      if (pending.patch) group.delta.patches.push({ ...pending.patch, candidateId: scope.candidateId, at: pending.at });
      for (const line of pending.lines) {
        const entry: FeedEntry = { at: line.at, candidateId: scope.candidateId, kind: line.kind, text: line.text };
        group.delta.feed.push(entry);
      }
    }
    for (const { scope, delta } of byCenter.values()) {
      const rooms = [
        proctorRooms.center(scope.sittingId, scope.centerId),
        proctorRooms.district(scope.sittingId, scope.districtId),
        proctorRooms.sitting(scope.sittingId),
      ];
      this.broadcaster.to(rooms).emit(EVENTS.proctorDelta, delta);
      metrics.proctorDeltas.inc();
      this.history?.append(scope.sittingId, scope.centerId, delta.feed);
    }
  }
}
