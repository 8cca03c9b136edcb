import { protocolError, type ProctorDelta, type ProtocolError, type RosterSnapshot } from '@examhall/shared';
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { toExamhallError } from '../failures.js';
import { parseFrame } from './frames.js';

/** deltas held while a snapshot is on its way; a burst beyond this drops the oldest */
const MAX_BUFFERED_DELTAS = 20_000;

export interface WatchHooks {
  /** emits `proctor:watch`; resolves with the raw ack, rejects on ack timeout or disconnect */
  request(): Promise<unknown>;
  connected(): boolean;
  /** the connection generation, bumped on every disconnect */
  generation(): number;
  now(): number;
  /** a snapshot arrived; `sentAt`/`receivedAt` are local times around the request */
  snapshot(snapshot: RosterSnapshot, sentAt: number, receivedAt: number): void;
  /** deltas to apply in order: one live delta, or those held while the snapshot was on its way */
  deltas(deltas: ProctorDelta[]): void;
  failed(error: ProtocolError, final: boolean): void;
}

type Phase = 'idle' | 'syncing' | 'live';
type SnapshotWaiter = { resolve: (snapshot: RosterSnapshot) => void; reject: (error: unknown) => void };

/**
 * `proctor:watch` and what surrounds it: once watch() was called, every connection watches again;
 * deltas that arrive before the snapshot are held and handed over right after it; failed watches
 * are retried with full-jitter backoff; a refusal retrying cannot fix ends the watching.
 */
export class WatchLoop {
  private wanted = false;
  private phase: Phase = 'idle';
  private buffered: ProctorDelta[] = [];
  private inFlight = false;
  /** bumped per request: a reply to an older one (a dead connection's) changes nothing */
  private requests = 0;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private hadSnapshot = false;
  private readonly waiters = new Set<SnapshotWaiter>();
  private readonly sequence = new DeltaSequence();
  private gaps = 0;

  constructor(
    private readonly backoff: BackoffPolicy,
    private readonly hooks: WatchHooks,
  ) {}

  get live(): boolean {
    return this.phase === 'live';
  }

  get watching(): boolean {
    return this.wanted;
  }

  /** Resolves with the next snapshot; rejects on a refusal retrying cannot fix. */
  watch(): Promise<RosterSnapshot> {
    this.wanted = true;
    const next = new Promise<RosterSnapshot>((resolve, reject) => this.waiters.add({ resolve, reject }));
    if (this.hooks.connected() && !this.inFlight && this.timer === undefined) {
      this.phase = 'syncing';
      void this.run();
    }
    return next;
  }

  connected(): void {
    this.forgetRequest();
    if (!this.wanted) return;
    this.phase = 'syncing';
    this.buffered = [];
    this.clearTimer();
    // after a gateway restart every proctor comes back at once: spread the snapshots a little
    if (this.hadSnapshot) this.schedule(backoffDelay(0, this.backoff));
    else void this.run();
  }

  disconnected(): void {
    this.forgetRequest();
    this.phase = 'idle';
    this.buffered = [];
    this.clearTimer();
  }

  delta(delta: ProctorDelta): void {
    if (this.phase === 'live') {
      if (!this.sequence.accept(delta)) return this.resync();
      return this.hooks.deltas([delta]);
    }
    if (this.phase !== 'syncing') return;
    this.buffered.push(delta);
    if (this.buffered.length > MAX_BUFFERED_DELTAS) this.buffered.splice(0, this.buffered.length - MAX_BUFFERED_DELTAS);
  }

  stop(error: Error): void {
    this.forgetRequest();
    this.wanted = false;
    this.phase = 'idle';
    this.buffered = [];
    this.clearTimer();
    this.rejectAll(error);
  }

  private async run(): Promise<void> {
    if (this.inFlight || !this.wanted || !this.hooks.connected()) return;
    this.inFlight = true;
    const request = ++this.requests;
    const generation = this.hooks.generation();
    const sentAt = this.hooks.now();
    let raw: unknown;
    try {
      raw = await this.hooks.request();
    } catch {
      raw = undefined;
    }
    // the connection dropped meanwhile: the next connection watches again
    if (request !== this.requests || generation !== this.hooks.generation()) return;
    this.inFlight = false;
    if (raw === undefined) return this.retry(protocolError('ACK_TIMEOUT', 'no proctor:watch reply in time'));
    const parsed = parseFrame('watchAck', raw);
    if (!parsed.ok) return this.retry(parsed.error);
    const ack = parsed.frame;
    if (!ack.ok) {
      if (ack.error.retryable) return this.retry(ack.error);
      this.hooks.failed(ack.error, true);
      return this.stop(toExamhallError(ack.error));
    }
    this.attempts = 0;
    this.hadSnapshot = true;
    this.phase = 'live';
    const held = this.buffered;
    this.buffered = [];
    this.sequence.reset();
    this.hooks.snapshot(ack.data, sentAt, this.hooks.now());
    if (held.length > 0) {
      if (!held.every((delta) => this.sequence.accept(delta))) {
        this.resolveWaiters(ack.data);
        return this.resync();
      }
      this.hooks.deltas(held);
    }
    this.resolveWaiters(ack.data);
  }

  private resolveWaiters(snapshot: RosterSnapshot): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.resolve(snapshot);
  }

  /**
   * A delta went missing (Redis pub/sub drops messages while a subscriber reconnects): the rows may
   * be wrong until they change again, so take a fresh snapshot, holding deltas meanwhile.
   */
  private resync(): void {
    this.gaps++;
    this.forgetRequest();
    this.phase = 'syncing';
    this.buffered = [];
    this.clearTimer();
    void this.run();
  }

  /** deltas found missing so far (each caused a re-watch) */
  get gapsSeen(): number {
    return this.gaps;
  }

  /** a reply to the request under way, if any, will change nothing */
  private forgetRequest(): void {
    this.requests++;
    this.inFlight = false;
  }

  private retry(error: ProtocolError): void {
    this.hooks.failed(error, false);
    this.schedule(backoffDelay(++this.attempts, this.backoff));
  }

  private schedule(inMs: number): void {
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, inMs);
  }

  private clearTimer(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rejectAll(error: Error): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}

/** The last `seq` seen per (source, center) since the snapshot; the first one of each is taken as it comes. */
class DeltaSequence {
  private last = new Map<string, number>();

  reset(): void {
    this.last = new Map();
  }

  /** false when deltas between the last one seen and this one are missing */
  accept(delta: ProctorDelta): boolean {
    const key = `${delta.source}\u0000${delta.centerId}`;
    const previous = this.last.get(key);
    this.last.set(key, Math.max(previous ?? 0, delta.seq));
    return previous === undefined || delta.seq <= previous + 1;
  }
}
