import { io, type Socket } from 'socket.io-client';
import {
  EVENTS,
  NAMESPACES,
  PROTOCOL_VERSION,
  ProtocolErrorSchema,
  type ActivityReport,
  type AnswerSaveRequest,
  type CandidateClientEvents,
  type SubmitRequest,
  type CandidateServerEvents,
  type ProtocolError,
} from '@examhall/shared';
import { CONNECT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import { toExamhallError } from './failures.js';
import type { ResolvedOptions } from './options.js';
import { closedError, settleAll, type Waiter } from './waiters.js';

type CandidateSocket = Socket<CandidateServerEvents, CandidateClientEvents>;

/** used when a draining notice carries no usable window: still spread the reconnects */
const DEFAULT_DRAIN_WINDOW_MS = 5_000;
const MAX_DRAIN_WINDOW_MS = 60_000;

export interface ConnectionHooks {
  connected(): void;
  disconnected(reason: string): void;
  /** a refusal retrying cannot fix, on a reconnect nobody awaits (e.g. the token expired meanwhile) */
  refused(error: ProtocolError): void;
  draining(reconnectInMs: number): void;
  /** server frames, not yet validated */
  committed(notice: unknown): void;
  serverError(error: unknown): void;
  attemptUpdated(update: unknown): void;
  examStarted(reply: unknown): void;
  sessionReplaced(notice: unknown): void;
  proctorMessage(message: unknown): void;
}

/**
 * The socket to `/candidate` and its lifecycle: handshake refusals, reconnects socket.io does
 * not do by itself, and moving off a draining gateway. Knows nothing about answers.
 */
export class CandidateConnection {
  /** bumped on every disconnect, so a reply from a dead connection can be recognised */
  generation = 0;
  private socket: CandidateSocket | undefined;
  private readonly waiters = new Set<Waiter>();
  /** our own reconnects follow the socket's delay knobs, so one setting tunes both */
  private readonly backoff: BackoffPolicy;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** suspend() was called: no reconnect of any kind until the next open() */
  private suspended = false;
  private readonly onOffline = () => this.networkLost();
  private readonly onOnline = () => this.networkBack();

  constructor(
    private readonly options: ResolvedOptions,
    private readonly hooks: ConnectionHooks,
  ) {
    const { reconnectionDelay, reconnectionDelayMax } = options.socketOptions;
    this.backoff = { baseMs: reconnectionDelay ?? CONNECT_BACKOFF.baseMs, maxMs: reconnectionDelayMax ?? CONNECT_BACKOFF.maxMs };
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  get opened(): boolean {
    return this.socket !== undefined;
  }

  /** Resolves on the next connection; rejects on a refusal retrying cannot fix. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(closedError());
    this.suspended = false;
    const socket = (this.socket ??= this.createSocket());
    if (socket.connected) return Promise.resolve();
    const connected = this.untilConnected();
    if (!socket.active && this.reconnectTimer === undefined) socket.connect();
    return connected;
  }

  untilConnected(): Promise<void> {
    if (this.socket?.connected) return Promise.resolve();
    if (this.closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  /** exam:join; resolves with the raw ack, rejects on timeout or disconnect */
  requestJoin(): Promise<unknown> {
    const socket = this.connectedSocket();
    return socket.timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.join, { protocolVersion: PROTOCOL_VERSION });
  }

  /** answer:save; resolves with the raw ack, rejects on timeout or disconnect */
  requestSave(request: AnswerSaveRequest): Promise<unknown> {
    const socket = this.connectedSocket();
    return socket.timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.answerSave, request);
  }

  /** time:sync; resolves with the raw ack, rejects on timeout or disconnect */
  requestTimeSync(clientSentAt: number): Promise<unknown> {
    const socket = this.connectedSocket();
    return socket.timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.timeSync, { clientSentAt });
  }

  /** exam:submit; resolves with the raw ack, rejects on timeout or disconnect */
  requestSubmit(request: SubmitRequest): Promise<unknown> {
    const socket = this.connectedSocket();
    return socket.timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.submit, request);
  }

  /** candidate:activity; resolves with the raw ack, rejects on timeout or disconnect */
  requestActivity(report: ActivityReport): Promise<unknown> {
    const socket = this.connectedSocket();
    return socket.timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.activity, report);
  }

  /**
   * Disconnects and stays disconnected (no automatic reconnect, drain moves included) until the
   * next open(): another device owns the attempt now. Waiters stay parked for that open().
   */
  suspend(): void {
    if (this.closed) return;
    this.suspended = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    // a client-side disconnect: socket.io does not reconnect after it
    this.socket?.disconnect();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    settleAll(this.waiters, (waiter) => waiter.reject(closedError()));
    this.socket?.disconnect();
    this.socket?.off();
    this.options.networkEvents?.removeEventListener('offline', this.onOffline);
    this.options.networkEvents?.removeEventListener('online', this.onOnline);
  }

  /** Never lets socket.io buffer a frame for later: the outbox decides what is resent. */
  private connectedSocket(): CandidateSocket {
    if (!this.socket?.connected) throw new Error('not connected');
    return this.socket;
  }

  private createSocket(): CandidateSocket {
    const { url, token, transports, socketOptions } = this.options;
    const socket: CandidateSocket = io(`${url}${NAMESPACES.candidate}`, {
      transports,
      reconnection: true,
      randomizationFactor: 0.5,
      // one connection per client: bench processes run many candidates against one URL
      forceNew: true,
      ...socketOptions,
      auth: { token },
      autoConnect: false,
    });
    socket.on('connect', () => {
      this.reconnectAttempts = 0;
      this.hooks.connected();
      settleAll(this.waiters, (waiter) => waiter.resolve());
    });
    socket.on('connect_error', (error) => this.onConnectError(socket, error));
    socket.on('disconnect', (reason) => this.onDisconnect(socket, reason));
    socket.on(EVENTS.answerCommitted, (notice: unknown) => this.hooks.committed(notice));
    socket.on(EVENTS.serverDraining, (notice: unknown) => this.onDraining(notice));
    socket.on(EVENTS.serverError, (error: unknown) => this.hooks.serverError(error));
    socket.on(EVENTS.attemptUpdated, (update: unknown) => this.hooks.attemptUpdated(update));
    socket.on(EVENTS.examStarted, (reply: unknown) => this.hooks.examStarted(reply));
    socket.on(EVENTS.sessionReplaced, (notice: unknown) => this.hooks.sessionReplaced(notice));
    socket.on(EVENTS.proctorMessage, (message: unknown) => this.hooks.proctorMessage(message));
    this.options.networkEvents?.addEventListener('offline', this.onOffline);
    this.options.networkEvents?.addEventListener('online', this.onOnline);
    return socket;
  }

  /**
   * The browser says the network is gone. Its WebSocket may still look open for minutes (TCP
   * notices nothing until the next write times out), and saves sent meanwhile would wait for
   * acks that never come. Closing the transport now makes the state honest (disconnected,
   * answers waiting in the outbox) and socket.io starts reconnecting.
   */
  private networkLost(): void {
    if (this.closed || this.suspended || !this.socket?.connected) return;
    this.socket.io.engine.close();
  }

  /** The network is back: reconnect now instead of when the backoff says. */
  private networkBack(): void {
    const socket = this.socket;
    if (this.closed || this.suspended || !socket || socket.connected) return;
    const wantsConnection = socket.active || this.reconnectTimer !== undefined;
    if (!wantsConnection) return; // refused for good, or never opened: open() decides
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    socket.disconnect(); // cancels the manager's pending reconnect
    socket.connect();
  }

  private onConnectError(socket: CandidateSocket, error: Error & { data?: unknown }): void {
    // Still active: a transport failure, which the manager retries with its own jittered backoff.
    if (this.closed || this.suspended || socket.active) return;
    const refusal = ProtocolErrorSchema.safeParse(error.data);
    if (refusal.success && !refusal.data.retryable) {
      // bad or expired token, origin refused: retrying cannot help
      if (this.waiters.size === 0) this.hooks.refused(refusal.data);
      settleAll(this.waiters, (waiter) => waiter.reject(toExamhallError(refusal.data)));
      return;
    }
    // GATEWAY_FULL and the like, or an unknown middleware error: socket.io does not reconnect
    // after a middleware refusal, so we do.
    this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  private onDisconnect(socket: CandidateSocket, reason: string): void {
    this.generation++;
    // socket.io would replay frames buffered for the dead connection before the rejoin, when
    // the server cannot take them yet; the rejoin resends everything anyway.
    socket.sendBuffer = [];
    this.hooks.disconnected(reason);
    // socket.io does not reconnect after a server-side disconnect (a drain timer may be set already)
    if (reason === 'io server disconnect') this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  private onDraining(notice: unknown): void {
    if (this.suspended) return;
    const requested = (notice as { reconnectInMs?: unknown } | null | undefined)?.reconnectInMs;
    const valid = typeof requested === 'number' && Number.isFinite(requested) && requested >= 0;
    const windowMs = valid ? Math.min(requested, MAX_DRAIN_WINDOW_MS) : DEFAULT_DRAIN_WINDOW_MS;
    this.hooks.draining(windowMs);
    // Everyone on this gateway got the same notice: spread their reconnects over the window.
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.scheduleReconnect(Math.floor(Math.random() * windowMs));
  }

  private scheduleReconnect(inMs: number): void {
    if (this.closed || this.suspended || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const socket = this.socket;
      if (!socket || this.closed || this.suspended) return;
      if (socket.connected) socket.disconnect(); // draining: leave this gateway for another one
      if (!socket.active) socket.connect();
    }, inMs);
  }
}
