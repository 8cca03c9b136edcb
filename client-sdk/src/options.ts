import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import { MemoryOutboxStorage, type OutboxStorage } from './storage.js';

export type Transport = 'websocket' | 'polling';

/** Where the browser's `online` / `offline` events come from (window). */
export type NetworkEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

export interface ExamClientOptions {
  /** gateway base URL; the client connects to `${url}/candidate` */
  url: string;
  /** signed candidate JWT, sent as the handshake `auth: { token }` */
  token: string;
  /** where the outbox survives reloads; default MemoryOutboxStorage */
  storage?: OutboxStorage;
  /** default `examhall:outbox:${sub}:${sit}` from the token's (unverified) claims */
  storageKey?: string;
  /** default ['websocket'] */
  transports?: Transport[];
  /** a `queued` answer not committed after this long is sent again (covers a lost queue); default 15000 */
  resendAfterMs?: number;
  /** answer:save frames awaiting their ack at once, so a reconnect does not storm; default 64 */
  maxInFlight?: number;
  /** a frame without an ack by then counts as a retryable failure; default 10000 */
  ackTimeoutMs?: number;
  /** one `time:sync` sample every this many ms, after the burst that follows every (re)join; default 60000 */
  clockSyncIntervalMs?: number;
  /**
   * The burst after a (re)join stops as soon as one sample's round trip is at most this many ms
   * (its offset is then right within half of it): on a healthy network one exchange is enough, and
   * 40,000 candidates joining at once do not send 200,000 extra frames. 0 = always the full burst; default 50
   */
  clockSyncPreciseRoundTripMs?: number;
  /** submit() retries retryable failures (and waits for a connection) this long in total, then rejects; default 30000 */
  submitTimeoutMs?: number;
  /** passed to socket.io-client's io(); `auth` and `autoConnect` are the SDK's own */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** local clock, default Date.now */
  now?: () => number;
  /**
   * `offline` drops the connection at once (a WebSocket can look open for minutes after the
   * network went away) and `online` reconnects without waiting for the backoff. Default: the
   * global object when it has addEventListener (browsers), none in Node; null turns it off.
   */
  networkEvents?: NetworkEvents | null;
}

/** Every default in one place. */
export const DEFAULTS = {
  transports: ['websocket'] as Transport[],
  resendAfterMs: 15_000,
  maxInFlight: 64,
  ackTimeoutMs: 10_000,
  clockSyncIntervalMs: 60_000,
  clockSyncPreciseRoundTripMs: 50,
  submitTimeoutMs: 30_000,
} as const;

export interface ResolvedOptions {
  url: string;
  token: string;
  storage: OutboxStorage;
  transports: Transport[];
  resendAfterMs: number;
  maxInFlight: number;
  ackTimeoutMs: number;
  clockSyncIntervalMs: number;
  clockSyncPreciseRoundTripMs: number;
  submitTimeoutMs: number;
  socketOptions: Partial<ManagerOptions & SocketOptions>;
  now: () => number;
  networkEvents: NetworkEvents | null;
}

export function resolveOptions(options: ExamClientOptions): ResolvedOptions {
  const text = (name: 'url' | 'token') => {
    const value = options[name];
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`ExamClient: ${name} must be a non-empty string`);
    return value;
  };
  const positive = (name: 'resendAfterMs' | 'maxInFlight' | 'ackTimeoutMs' | 'clockSyncIntervalMs' | 'submitTimeoutMs', integer: boolean) => {
    const value = options[name] ?? DEFAULTS[name];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
      throw new TypeError(`ExamClient: ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
    }
    return value;
  };
  const nonNegative = (name: 'clockSyncPreciseRoundTripMs') => {
    const value = options[name] ?? DEFAULTS[name];
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new TypeError(`ExamClient: ${name} must be a number >= 0, got ${String(value)}`);
    return value;
  };
  const transports = options.transports ?? DEFAULTS.transports;
  if (transports.length === 0 || transports.some((t) => t !== 'websocket' && t !== 'polling')) {
    throw new TypeError(`ExamClient: transports must list 'websocket' and/or 'polling'`);
  }
  return {
    url: text('url').replace(/\/+$/, ''),
    token: text('token'),
    storage: options.storage ?? new MemoryOutboxStorage(),
    transports: [...transports],
    resendAfterMs: positive('resendAfterMs', false),
    maxInFlight: positive('maxInFlight', true),
    ackTimeoutMs: positive('ackTimeoutMs', false),
    clockSyncIntervalMs: positive('clockSyncIntervalMs', false),
    clockSyncPreciseRoundTripMs: nonNegative('clockSyncPreciseRoundTripMs'),
    submitTimeoutMs: positive('submitTimeoutMs', false),
    socketOptions: options.socketOptions ?? {},
    now: options.now ?? Date.now,
    networkEvents: options.networkEvents === undefined ? browserNetworkEvents() : options.networkEvents,
  };
}

function browserNetworkEvents(): NetworkEvents | null {
  const global = globalThis as Partial<NetworkEvents>;
  return typeof global.addEventListener === 'function' && typeof global.removeEventListener === 'function' ? (global as NetworkEvents) : null;
}
