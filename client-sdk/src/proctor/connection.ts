import { io, type Socket } from 'socket.io-client';
import {
  EVENTS,
  NAMESPACES,
  PROTOCOL_VERSION,
  ProtocolErrorSchema,
  type ProctorAction,
  type ProctorClientEvents,
  type ProctorServerEvents,
  type ProtocolError,
} from '@examhall/shared';
import { CONNECT_BACKOFF, backoffDelay, type BackoffPolicy } from '../backoff.js';
import { toExamhallError } from '../failures.js';
import { settleAll, type Waiter } from '../waiters.js';
import type { ResolvedProctorOptions } from './options.js';

type ProctorSocket = Socket<ProctorServerEvents, ProctorClientEvents>;

const DEFAULT_DRAIN_WINDOW_MS = 5_000;
const MAX_DRAIN_WINDOW_MS = 60_000;

export interface ProctorConnectionHooks {
  connected(): void;
  disconnected(reason: string): void;
  /** a refusal retrying cannot fix (bad or expired token) */
  refused(error: ProtocolError, awaited: boolean): void;
  draining(reconnectInMs: number): void;
  /** server frames, not yet validated */
  delta(delta: unknown): void;
  serverError(error: unknown): void;
}

export function proctorClosedError(): Error {
  return new Error('ProctorClient is closed');
}

/**
 * The socket to `/proctor` and its lifecycle: handshake refusals, the reconnects socket.io does
 * not do by itself (after a server-side disconnect or a middleware refusal), and leaving a
 * draining gateway. Knows nothing about rosters.
 */
export class ProctorConnection {
  /** bumped on every disconnect, so a reply from a dead connection can be recognised */
  generation = 0;
  private socket: ProctorSocket | undefined;
  private readonly waiters = new Set<Waiter>();
  private readonly backoff: BackoffPolicy;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private token: string;

  constructor(
    private readonly options: ResolvedProctorOptions,
    private readonly hooks: ProctorConnectionHooks,
  ) {
    const { reconnectionDelay, reconnectionDelayMax } = options.socketOptions;
    this.backoff = { baseMs: reconnectionDelay ?? CONNECT_BACKOFF.baseMs, maxMs: reconnectionDelayMax ?? CONNECT_BACKOFF.maxMs };
    this.token = options.token;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Resolves on the next connection; rejects on a refusal retrying cannot fix. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(proctorClosedError());
    const socket = (this.socket ??= this.createSocket());
    if (socket.connected) return Promise.resolve();
    const connected = new Promise<void>((resolve, reject) => this.waiters.add({ resolve, reject }));
    if (!socket.active && this.reconnectTimer === undefined) socket.connect();
    return connected;
  }

  /** The next handshakes carry this token (e.g. a refreshed one after AUTH_EXPIRED). */
  setToken(token: string): void {
    this.token = token;
    if (this.socket) this.socket.auth = { token };
  }

  requestWatch(): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.watchTimeoutMs).emitWithAck(EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION });
  }

  requestAction(action: ProctorAction): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.proctorAction, action);
  }

  requestTimeSync(clientSentAt: number): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.timeSync, { clientSentAt });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    settleAll(this.waiters, (waiter) => waiter.reject(proctorClosedError()));
    this.socket?.disconnect();
    this.socket?.off();
  }

  /** Never lets socket.io buffer a frame for later: an action sent twice is not harmless. */
  private connectedSocket(): ProctorSocket {
    if (!this.socket?.connected) throw new Error('not connected');
    return this.socket;
  }

  private createSocket(): ProctorSocket {
    const { url, transports, socketOptions } = this.options;
    const socket: ProctorSocket = io(`${url}${NAMESPACES.proctor}`, {
      transports,
      reconnection: true,
      randomizationFactor: 0.5,
      forceNew: true,
      ...socketOptions,
      auth: { token: this.token },
      autoConnect: false,
    });
    socket.on('connect', () => {
      this.reconnectAttempts = 0;
      this.hooks.connected();
      settleAll(this.waiters, (waiter) => waiter.resolve());
    });
    socket.on('connect_error', (error) => this.onConnectError(socket, error));
    socket.on('disconnect', (reason) => this.onDisconnect(socket, reason));
    socket.on(EVENTS.proctorDelta, (delta: unknown) => this.hooks.delta(delta));
    socket.on(EVENTS.serverDraining, (notice: unknown) => this.onDraining(notice));
    socket.on(EVENTS.serverError, (error: unknown) => this.hooks.serverError(error));
    return socket;
  }

  private onConnectError(socket: ProctorSocket, error: Error & { data?: unknown }): void {
    // still active: a transport failure, which the manager retries with its own jittered backoff
    if (this.closed || socket.active) return;
    const refusal = ProtocolErrorSchema.safeParse(error.data);
    if (refusal.success && !refusal.data.retryable) {
      this.hooks.refused(refusal.data, this.waiters.size > 0);
      settleAll(this.waiters, (waiter) => waiter.reject(toExamhallError(refusal.data)));
      return;
    }
    // GATEWAY_FULL or an unknown middleware error: socket.io does not retry a middleware refusal
    this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  private onDisconnect(socket: ProctorSocket, reason: string): void {
    this.generation++;
    socket.sendBuffer = [];
    this.hooks.disconnected(reason);
    if (reason === 'io server disconnect') this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  private onDraining(notice: unknown): void {
    const requested = (notice as { reconnectInMs?: unknown } | null | undefined)?.reconnectInMs;
    const valid = typeof requested === 'number' && Number.isFinite(requested) && requested >= 0;
    const windowMs = valid ? Math.min(requested, MAX_DRAIN_WINDOW_MS) : DEFAULT_DRAIN_WINDOW_MS;
    this.hooks.draining(windowMs);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.scheduleReconnect(Math.floor(Math.random() * windowMs));
  }

  private scheduleReconnect(inMs: number): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const socket = this.socket;
      if (!socket || this.closed) return;
      if (socket.connected) socket.disconnect(); // draining: leave this gateway for another one
      if (!socket.active) socket.connect();
    }, inMs);
  }
}
