import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { BackoffPolicy } from '../backoff.js';
import type { Transport } from '../options.js';

export interface ProctorClientOptions {
  /** gateway base URL; the client connects to `${url}/proctor` */
  url: string;
  /** signed proctor JWT, sent as the handshake `auth: { token }` */
  token: string;
  /** default ['websocket'] */
  transports?: Transport[];
  /** `proctor:action` and `time:sync` without an ack by then fail; default 10000 */
  ackTimeoutMs?: number;
  /** `proctor:watch` builds a whole roster: it gets longer; default 30000 */
  watchTimeoutMs?: number;
  /** one `time:sync` sample every this many ms, after the burst that follows every (re)watch; default 60000 */
  clockSyncIntervalMs?: number;
  /** pace of re-watches after a reconnect or a failed watch (full jitter); default 500 ms .. 30 s */
  rewatchBackoff?: BackoffPolicy;
  /** feed lines kept, newest first; default 500 */
  feedLimit?: number;
  /** commit → proctor latency samples kept (the oldest are dropped in bulk); default 100000 */
  maxLatencySamples?: number;
  /** passed to socket.io-client's io(); `auth` and `autoConnect` are the client's own */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** local clock, default Date.now */
  now?: () => number;
}

/** Every default in one place. */
export const PROCTOR_DEFAULTS = {
  transports: ['websocket'] as Transport[],
  ackTimeoutMs: 10_000,
  watchTimeoutMs: 30_000,
  clockSyncIntervalMs: 60_000,
  rewatchBackoff: { baseMs: 500, maxMs: 30_000 } as BackoffPolicy,
  feedLimit: 500,
  maxLatencySamples: 100_000,
} as const;

export type ResolvedProctorOptions = Required<Omit<ProctorClientOptions, 'socketOptions' | 'now'>> & {
  socketOptions: Partial<ManagerOptions & SocketOptions>;
  now: () => number;
};

type NumericOption = 'ackTimeoutMs' | 'watchTimeoutMs' | 'clockSyncIntervalMs' | 'feedLimit' | 'maxLatencySamples';

export function resolveProctorOptions(options: ProctorClientOptions): ResolvedProctorOptions {
  const text = (name: 'url' | 'token') => {
    const value = options[name];
    if (typeof value !== 'string' || value.length === 0) throw new TypeError(`ProctorClient: ${name} must be a non-empty string`);
    return value;
  };
  const positive = (name: NumericOption) => {
    const value = options[name] ?? PROCTOR_DEFAULTS[name];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new TypeError(`ProctorClient: ${name} must be a positive number, got ${String(value)}`);
    }
    return value;
  };
  const transports = options.transports ?? PROCTOR_DEFAULTS.transports;
  if (transports.length === 0 || transports.some((t) => t !== 'websocket' && t !== 'polling')) {
    throw new TypeError(`ProctorClient: transports must list 'websocket' and/or 'polling'`);
  }
  const backoff = options.rewatchBackoff ?? PROCTOR_DEFAULTS.rewatchBackoff;
  if (!(backoff.baseMs > 0) || !(backoff.maxMs >= backoff.baseMs)) {
    throw new TypeError('ProctorClient: rewatchBackoff needs 0 < baseMs <= maxMs');
  }
  return {
    url: text('url').replace(/\/+$/, ''),
    token: text('token'),
    transports: [...transports],
    ackTimeoutMs: positive('ackTimeoutMs'),
    watchTimeoutMs: positive('watchTimeoutMs'),
    clockSyncIntervalMs: positive('clockSyncIntervalMs'),
    rewatchBackoff: { ...backoff },
    feedLimit: Math.floor(positive('feedLimit')),
    maxLatencySamples: Math.floor(positive('maxLatencySamples')),
    socketOptions: options.socketOptions ?? {},
    now: options.now ?? Date.now,
  };
}
