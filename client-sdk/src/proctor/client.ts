import {
  ExamhallError,
  ProctorAction,
  type ActionReply,
  type FeedEntry,
  type ProctorDelta,
  type ProctorScope,
  type ProtocolError,
  type RosterRow,
  type RosterSnapshot,
} from '@examhall/shared';
import { ClockSync, ClockSyncLoop } from '../clock.js';
import { TypedEmitter } from '../emitter.js';
import { describeIssues, toExamhallError } from '../failures.js';
import { ProctorConnection, proctorClosedError } from './connection.js';
import type { ProctorCounters } from './counters.js';
import type { ProctorClientEvents, ProctorConnectionState } from './events.js';
import { LiveRoster, type ProctorStats } from './live-roster.js';
import { parseFrame } from './frames.js';
import { resolveProctorOptions, type ProctorClientOptions, type ResolvedProctorOptions } from './options.js';
import { WatchLoop } from './watcher.js';

/** time:sync samples right after every snapshot, and their spacing */
const CLOCK_SYNC_BURST = 3;
const CLOCK_SYNC_BURST_SPACING_MS = 100;

/**
 * A proctor's view of a sitting: connect, watch (a roster snapshot), then a live roster patched by
 * `proctor:delta` batches, re-watched after every reconnect; actions; a corrected server clock.
 * Every server frame is checked against the shared schemas; a bad one becomes an `error` event.
 */
export class ProctorClient extends TypedEmitter<ProctorClientEvents> {
  private readonly options: ResolvedProctorOptions;
  private readonly connection: ProctorConnection;
  private readonly watcher: WatchLoop;
  private readonly live: LiveRoster;
  private readonly clock = new ClockSync();
  private readonly clockLoop: ClockSyncLoop;
  private current: RosterSnapshot | undefined;
  private connectionState: ProctorConnectionState = 'idle';
  private closed = false;

  /** Creates a client and resolves once it is connected (not yet watching). */
  static async connect(url: string, token: string, socketOptions?: ProctorClientOptions['socketOptions'], options?: Partial<ProctorClientOptions>): Promise<ProctorClient> {
    const client = new ProctorClient({ ...options, url, token, socketOptions: socketOptions ?? options?.socketOptions });
    try {
      await client.connect();
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  constructor(options: ProctorClientOptions) {
    super();
    this.options = resolveProctorOptions(options);
    this.live = new LiveRoster(this.options.feedLimit, this.options.maxLatencySamples);
    this.connection = new ProctorConnection(this.options, {
      connected: () => {
        this.setState(this.watcher.watching ? 'syncing' : 'connected');
        this.watcher.connected();
      },
      disconnected: (reason) => {
        this.clockLoop.stop();
        this.watcher.disconnected();
        if (!this.closed) this.setState('reconnecting', reason);
      },
      refused: (error, awaited) => {
        this.watcher.stop(toExamhallError(error));
        this.setState('refused', error.code);
        if (!awaited) this.emit('error', error);
      },
      draining: (reconnectInMs) => this.emit('draining', { reconnectInMs }),
      delta: (raw) => this.onDelta(raw),
      serverError: (raw) => {
        const parsed = parseFrame('serverError', raw);
        this.emit('error', parsed.ok ? parsed.frame : this.malformed(parsed.error));
      },
    });
    this.watcher = new WatchLoop(this.options.rewatchBackoff, {
      request: () => this.connection.requestWatch(),
      connected: () => this.connection.connected,
      generation: () => this.connection.generation,
      now: this.options.now,
      snapshot: (snapshot, sentAt, receivedAt) => this.onSnapshot(snapshot, sentAt, receivedAt),
      deltas: (deltas) => this.applyDeltas(deltas),
      failed: (error, final) => {
        if (error.code === 'MALFORMED_SERVER_FRAME') this.malformed(error);
        if (error.code === 'MALFORMED_SERVER_FRAME' || final) this.emit('error', error);
        if (!final) this.setState('syncing', `watch failed (${error.code}); retrying`);
      },
    });
    this.clockLoop = new ClockSyncLoop(
      this.clock,
      { now: this.options.now, intervalMs: this.options.clockSyncIntervalMs, burst: CLOCK_SYNC_BURST, burstSpacingMs: CLOCK_SYNC_BURST_SPACING_MS, preciseRoundTripMs: 0 /* a few proctors: always the full burst */ },
      {
        request: (clientSentAt) => this.connection.requestTimeSync(clientSentAt),
        sampled: () => this.emitClock(),
        malformed: (error) => this.emit('error', this.malformed(error)),
      },
    );
  }

  get state(): ProctorConnectionState {
    return this.connectionState;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** The latest snapshot as it arrived (its rows are not kept current: read `roster`). */
  get snapshot(): RosterSnapshot | undefined {
    return this.current;
  }

  get scope(): ProctorScope | undefined {
    return this.current?.scope;
  }

  get sittingTitle(): string | undefined {
    return this.current?.sittingTitle;
  }

  /** The live roster by candidate id. Rows are replaced on every change, never mutated. */
  get roster(): ReadonlyMap<string, RosterRow> {
    return this.live.store.rows;
  }

  row(candidateId: string): RosterRow | undefined {
    return this.live.store.rows.get(candidateId);
  }

  get counters(): Readonly<ProctorCounters> {
    return { ...this.live.store.counters };
  }

  /** Newest first, at most `feedLimit` lines. */
  get feed(): readonly FeedEntry[] {
    return this.live.feed.lines;
  }

  /** Commit → proctor latency (ms) of every live `saved` feed line: serverNow() at arrival − line.at. */
  get latencySamples(): readonly number[] {
    return this.live.latency.samples;
  }

  /** Returns the latency samples so far and starts a new series. */
  takeLatencySamples(): number[] {
    return this.live.latency.take();
  }

  get stats(): Readonly<ProctorStats> {
    return { ...this.live.stats };
  }

  get clockOffsetMs(): number {
    return this.clock.offsetMs;
  }

  /** The server's clock as best known (for display: time left, "2 min ago"). */
  serverNow(): number {
    return this.options.now() + this.clock.offsetMs;
  }

  /** Time left for one candidate: deadline − serverNow(), frozen while paused, 0 once final, null before the start. */
  timeLeftMs(candidateId: string): number | null {
    return this.live.store.timeLeftMs(candidateId, this.serverNow());
  }

  /** Resolves on the first connection; rejects with ExamhallError when the token is refused. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(proctorClosedError());
    if (!this.connection.connected) this.setState('connecting');
    return this.connection.open();
  }

  /** Subscribes to the token's scope; resolves with the snapshot. Every reconnect re-watches by itself. */
  watch(): Promise<RosterSnapshot> {
    if (this.closed) return Promise.reject(proctorClosedError());
    const snapshot = this.watcher.watch();
    if (this.connection.connected) this.setState('syncing');
    return snapshot;
  }

  /**
   * Sends one action; resolves with the server's ActionReply (per-candidate outcomes), throws
   * ExamhallError on a refusal (SCOPE_FORBIDDEN, ROLE_FORBIDDEN, BAD_REQUEST...). Never resent by
   * itself: after CONNECTION_LOST or ACK_TIMEOUT it may or may not have been applied.
   */
  async act(action: ProctorAction): Promise<ActionReply> {
    if (this.closed) throw proctorClosedError();
    const valid = ProctorAction.safeParse(action);
    if (!valid.success) throw new ExamhallError('BAD_REQUEST', describeIssues(valid.error.issues));
    if (!this.connection.connected) throw new ExamhallError('CONNECTION_LOST', 'not connected: the action was not sent');
    let raw: unknown;
    try {
      raw = await this.connection.requestAction(valid.data);
    } catch {
      const code = this.connection.connected ? 'ACK_TIMEOUT' : 'CONNECTION_LOST';
      throw new ExamhallError(code, 'no reply: the action may have been applied; check the roster before sending it again');
    }
    const parsed = parseFrame('actionAck', raw);
    if (!parsed.ok) {
      this.emit('error', this.malformed(parsed.error));
      throw toExamhallError(parsed.error);
    }
    if (!parsed.frame.ok) throw toExamhallError(parsed.frame.error);
    return parsed.frame.data;
  }

  /** The next handshakes carry this token (after AUTH_EXPIRED: setToken, connect, watch). */
  setToken(token: string): void {
    this.connection.setToken(token);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clockLoop.stop();
    this.watcher.stop(proctorClosedError());
    this.connection.close();
    this.setState('closed');
  }

  private onSnapshot(snapshot: RosterSnapshot, sentAt: number, receivedAt: number): void {
    this.current = snapshot;
    this.live.reset(snapshot);
    // the watch round trip is a clock sample too (a slow one: the time:sync burst refines it)
    this.clock.addSample(sentAt, receivedAt, snapshot.serverTime);
    this.emitClock();
    this.clockLoop.start();
    this.setState('live');
    this.emit('snapshot', snapshot);
  }

  private onDelta(raw: unknown): void {
    const parsed = parseFrame('delta', raw);
    if (!parsed.ok) return void this.emit('error', this.malformed(parsed.error));
    this.watcher.delta(parsed.frame);
  }

  private applyDeltas(deltas: ProctorDelta[]): void {
    const { changed, lines } = this.live.apply(deltas, () => this.serverNow());
    if (changed.length > 0) this.emit('rows', changed);
    if (lines.length > 0) this.emit('feed', lines);
  }

  private malformed(error: ProtocolError): ProtocolError {
    this.live.stats.malformedFrames++;
    return error;
  }

  private emitClock(): void {
    this.emit('clock', { offsetMs: this.clock.offsetMs, roundTripMs: this.clock.roundTripMs });
  }

  private setState(state: ProctorConnectionState, detail?: string): void {
    if (state === this.connectionState && detail === undefined) return;
    this.connectionState = state;
    this.emit('connection', state, detail);
  }
}
