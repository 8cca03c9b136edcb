import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { EVENTS, ProtocolErrorSchema, type ProtocolError } from '@examhall/shared';
import { CONNECT_BACKOFF, backoffDelay, type BackoffPolicy } from './backoff.js';
import { toExamhallError } from './failures.js';
import type { NetworkEvents, Transport } from './options.js';
import { settleAll, type Waiter } from './waiters.js';

/** used when a draining notice carries no usable window: still spread the reconnects */
const DEFAULT_DRAIN_WINDOW_MS = 5_000;
const MAX_DRAIN_WINDOW_MS = 60_000;

export interface LifecycleHooks {
  connected(): void;
  disconnected(reason: string): void;
  /** a refusal retrying cannot fix (bad or expired token); `awaited` when an open() rejects with it */
  refused(error: ProtocolError, awaited: boolean): void;
  draining(reconnectInMs: number): void;
}

export interface LifecycleConfig {
  /** the namespace's full URL */
  url: string;
  token: string;
  transports: Transport[];
  socketOptions: Partial<ManagerOptions & SocketOptions>;
  /** browser `online` / `offline` events, when the connection should follow them */
  networkEvents?: NetworkEvents | null;
  /** what open() and parked waiters reject with once closed */
  closedError(): Error;
}

/**
 * One socket's lifecycle, whatever the namespace: handshake refusals, the reconnects socket.io
 * does not do by itself (after a server-side disconnect or a middleware refusal), and leaving a
 * draining gateway. A connection extends it with its namespace's events (`bind`, run on the new
 * socket) and its requests.
 */
export abstract class SocketLifecycle<S extends Socket> {
  /** bumped on every disconnect, so a reply from a dead connection can be recognised */
  generation = 0;
  private socket: S | undefined;
  private readonly waiters = new Set<Waiter>();
  /** our own reconnects follow the socket's delay knobs, so one setting tunes both */
  private readonly backoff: BackoffPolicy;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** suspend() was called: no reconnect of any kind until the next open() */
  private suspended = false;
  private token: string;
  private readonly onOffline = () => this.networkLost();
  private readonly onOnline = () => this.networkBack();

  constructor(
    private readonly config: LifecycleConfig,
    private readonly hooks: LifecycleHooks,
    private readonly bind: (socket: S) => void,
  ) {
    const { reconnectionDelay, reconnectionDelayMax } = config.socketOptions;
    this.backoff = { baseMs: reconnectionDelay ?? CONNECT_BACKOFF.baseMs, maxMs: reconnectionDelayMax ?? CONNECT_BACKOFF.maxMs };
    this.token = config.token;
  }

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  get opened(): boolean {
    return this.socket !== undefined;
  }

  /** Resolves on the next connection; rejects on a refusal retrying cannot fix. */
  open(): Promise<void> {
    if (this.closed) return Promise.reject(this.config.closedError());
    this.suspended = false;
    const socket = (this.socket ??= this.createSocket());
    if (socket.connected) return Promise.resolve();
    const connected = this.untilConnected();
    if (!socket.active && this.reconnectTimer === undefined) socket.connect();
    return connected;
  }

  untilConnected(): Promise<void> {
    if (this.socket?.connected) return Promise.resolve();
    if (this.closed) return Promise.reject(this.config.closedError());
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  /** The next handshakes carry this token (e.g. a refreshed one after AUTH_EXPIRED). */
  setToken(token: string): void {
    this.token = token;
    if (this.socket) this.socket.auth = { token };
  }

  /** Never lets socket.io buffer a frame for later: the caller decides what is sent again. */
  protected connectedSocket(): S {
    if (!this.socket?.connected) throw new Error('not connected');
    return this.socket;
  }

  /**
   * Disconnects and stays disconnected (no automatic reconnect, drain moves included) until the
   * next open(). Waiters stay parked for that open().
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
    settleAll(this.waiters, (waiter) => waiter.reject(this.config.closedError()));
    this.socket?.disconnect();
    this.socket?.off();
    this.config.networkEvents?.removeEventListener('offline', this.onOffline);
    this.config.networkEvents?.removeEventListener('online', this.onOnline);
  }

  private createSocket(): S {
    const { url, transports, socketOptions } = this.config;
    // io() is untyped; the namespace's event maps are the caller's to pick
    const socket = io(url, {
      transports,
      reconnection: true,
      randomizationFactor: 0.5,
      // one connection per client: bench processes run many clients against one URL
      forceNew: true,
      ...socketOptions,
      auth: { token: this.token },
      autoConnect: false,
    }) as S;
    socket.on('connect', () => {
      this.reconnectAttempts = 0;
      this.hooks.connected();
      settleAll(this.waiters, (waiter) => waiter.resolve());
    });
    socket.on('connect_error', (error) => this.onConnectError(socket, error));
    socket.on('disconnect', (reason) => this.onDisconnect(socket, reason));
    socket.on(EVENTS.serverDraining, (notice: unknown) => this.onDraining(notice));
    this.bind(socket);
    this.config.networkEvents?.addEventListener('offline', this.onOffline);
    this.config.networkEvents?.addEventListener('online', this.onOnline);
    return socket;
  }

  /**
   * The browser says the network is gone. Its WebSocket may still look open for minutes (TCP
   * notices nothing until the next write times out), and frames sent meanwhile would wait for
   * acks that never come. Closing the transport now makes the state honest (disconnected) and
   * socket.io starts reconnecting.
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

  private onConnectError(socket: S, error: Error & { data?: unknown }): void {
    // Still active: a transport failure, which the manager retries with its own jittered backoff.
    if (this.closed || this.suspended || socket.active) return;
    const refusal = ProtocolErrorSchema.safeParse(error.data);
    if (refusal.success && !refusal.data.retryable) {
      // bad or expired token, origin refused: retrying cannot help
      this.hooks.refused(refusal.data, this.waiters.size > 0);
      settleAll(this.waiters, (waiter) => waiter.reject(toExamhallError(refusal.data)));
      return;
    }
    // GATEWAY_FULL and the like, or an unknown middleware error: socket.io does not reconnect
    // after a middleware refusal, so we do.
    this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  private onDisconnect(socket: S, reason: string): void {
    this.generation++;
    // socket.io would replay frames buffered for the dead connection before the rejoin, when
    // the server cannot take them yet; the rejoin resends everything anyway.
    socket.sendBuffer = [];
    this.hooks.disconnected(reason);
    // socket.io does not reconnect after a server-side disconnect (a drain timer may be set already)
    if (reason === 'io server disconnect') this.scheduleReconnect(backoffDelay(this.reconnectAttempts++, this.backoff));
  }

  /** the connection a drain notice asked to leave; -1 when none */
  private drainingGeneration = -1;

  private onDraining(notice: unknown): void {
    if (this.suspended) return;
    const requested = (notice as { reconnectInMs?: unknown } | null | undefined)?.reconnectInMs;
    const valid = typeof requested === 'number' && Number.isFinite(requested) && requested >= 0;
    const windowMs = valid ? Math.min(requested, MAX_DRAIN_WINDOW_MS) : DEFAULT_DRAIN_WINDOW_MS;
    this.hooks.draining(windowMs);
    // Everyone on this gateway got the same notice: spread their reconnects over the window.
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.drainingGeneration = this.generation;
    this.scheduleReconnect(Math.floor(Math.random() * windowMs));
  }

  private scheduleReconnect(inMs: number): void {
    if (this.closed || this.suspended || this.reconnectTimer !== undefined) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      const socket = this.socket;
      if (!socket || this.closed || this.suspended) return;
      // draining: leave this gateway for another one — unless the connection already changed (the
      // gateway cut it first and socket.io reconnected elsewhere): leaving that one would be a second move
      const leave = socket.connected && this.drainingGeneration === this.generation;
      this.drainingGeneration = -1;
      if (leave) socket.disconnect();
      if (!socket.active) socket.connect();
    }, inMs);
  }
}
