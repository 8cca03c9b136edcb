import { hostname } from 'node:os';
import { z } from 'zod';

const DEV_TOKEN_SECRET = 'examhall-dev-secret-change-me-0123456789abcdef';

const csv = z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
const bool = z.enum(['true', 'false', '1', '0']).transform((s) => s === 'true' || s === '1');
/** host:port, the host a name, an IPv4 address or a bracketed IPv6 address */
const HOST_PORT = /^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;
const hostPorts = csv.superRefine((entries, ctx) => {
  for (const entry of entries) {
    const port = Number(HOST_PORT.exec(entry)?.[1] ?? 0);
    if (port < 1 || port > 65535) ctx.addIssue({ code: 'custom', message: `"${entry}" is not host:port (e.g. 10.0.0.5:6379)` });
  }
});

/**
 * Every setting and its default, in one place. Read from the environment (names as below, upper case).
 * A bad value stops start-up with a message naming the variable.
 */
export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    HOST: z.string().default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** Several gateways may share one port (SO_REUSEPORT is uWS's default on Linux). */
    GATEWAY_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
    /** `uws` (uWebSockets.js, default) or `ws` (Node's http + ws, the fallback engine). */
    WS_ENGINE: z.enum(['uws', 'ws']).default('uws'),
    /** Refuse to start when uWS's native binary did not load, instead of falling back to `ws`. */
    REQUIRE_NATIVE_UWS: bool.default(false),
    DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
    /** Postgres schema holding examhall's tables (tests use one per file). */
    DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('examhall'),
    PG_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    /** The single Redis (unused when REDIS_CLUSTER_NODES is set). */
    REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
    /**
     * Redis Cluster mode: comma-separated host:port of a few cluster nodes (the client discovers the
     * rest). Empty (default): the single Redis at REDIS_URL. In cluster mode the gateways use the
     * sharded Socket.IO adapter (SPUBLISH/SSUBSCRIBE: Redis >= 7) and each BullMQ queue gets its own
     * hash tag, `{<REDIS_PREFIX>:<queue>}`, so that different queues may live on different nodes.
     */
    REDIS_CLUSTER_NODES: hostPorts.default([]),
    /** Prefix of every Redis key: BullMQ queues and the Socket.IO adapter channels. */
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('examhall'),
    TOKEN_SECRET: z.string().min(32, 'TOKEN_SECRET must be at least 32 characters').default(DEV_TOKEN_SECRET),
    TOKEN_TTL_S: z.coerce.number().int().positive().default(6 * 3600),
    /** Comma-separated allowed browser origins; `*` allows any. Clients that send no Origin (Node) are allowed. */
    ALLOWED_ORIGINS: csv.default(['http://localhost:8080', 'http://127.0.0.1:8080']),
    /** Comma-separated addresses of the load balancers in front of the gateways: only their X-Forwarded-For is believed (sign-in limits, presence IPs). */
    TRUSTED_PROXIES: csv.default([]),
    /** Per-process connection cap, kept below the 20,000 open-file limit (a uWS process at the limit spins). */
    MAX_CONNECTIONS: z.coerce.number().int().positive().max(19_000).default(15_000),
    MAX_FRAME_BYTES: z.coerce.number().int().min(1024).max(1_048_576).default(16_384),
    /** Answer batcher: flush after this many answers or this many milliseconds, whichever first. */
    BATCH_MAX_ANSWERS: z.coerce.number().int().positive().default(500),
    BATCH_MAX_WAIT_MS: z.coerce.number().int().min(0).default(5),
    /** Answers waiting for Redis beyond this get OVERLOADED (retry later) instead of growing memory. */
    BATCH_MAX_PENDING: z.coerce.number().int().positive().default(50_000),
    /** How long a batch may wait for Redis before its answers get QUEUE_UNAVAILABLE. */
    ENQUEUE_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
    WORKER_CONCURRENCY: z.coerce.number().int().positive().default(4),
    /**
     * BullMQ lock: a job held by a dead worker is retried after about this long (+ up to half of it
     * for the stall check). 5 s keeps a worker's death within the 10 s resume target (npm run chaos);
     * a live worker renews its locks every half of it, so only a worker frozen that long loses one
     * (its batch then runs twice, which is harmless).
     */
    WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(5000),
    WORKER_ATTEMPTS: z.coerce.number().int().positive().default(25),
    /** A sitting started by signal admits candidates to its lobby this long before its window opens (lobby countdown). */
    LOBBY_EARLY_S: z.coerce.number().int().min(0).max(24 * 3600).default(1800),
    /** Proctor deltas are batched per center and sent this often. */
    PROCTOR_FEED_INTERVAL_MS: z.coerce.number().int().min(20).max(5000).default(250),
    /** Alert thresholds: disconnected longer than this many seconds; no save for this many seconds while in progress. */
    ALERT_DISCONNECTED_S: z.coerce.number().int().positive().default(60),
    ALERT_IDLE_S: z.coerce.number().int().positive().default(600),
    /** A gateway whose heartbeat is older than this is dead: workers mark its candidates offline (at its last beat). */
    GATEWAY_DEAD_AFTER_MS: z.coerce.number().int().min(400).default(20_000),
    /** How often workers look for disconnected and idle candidates. */
    ALERT_SWEEP_MS: z.coerce.number().int().min(100).default(5000),
    /** Where a worker-only process serves /metrics (gateways serve it on PORT); 0 = not served. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
    /** Folder of the built web apps served at /exam/ and /proctor/ (default: client-sdk/dist/web). */
    WEB_DIST: z.string().default(''),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV === 'production' && c.TOKEN_SECRET === DEV_TOKEN_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_SECRET'], message: 'set TOKEN_SECRET in production' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment (plus overrides, used by tests) into a Config or throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Config {
  const known = Object.keys(ConfigSchema.shape);
  const picked = Object.fromEntries(known.filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const parsed = ConfigSchema.safeParse(picked);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, ...overrides };
}

export const isDevTokenSecret = (c: Config) => c.TOKEN_SECRET === DEV_TOKEN_SECRET;
