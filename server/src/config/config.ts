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
    /**
     * Postgres' plan_cache_mode for examhall's connections. `auto` keeps generic plans of prepared
     * statements (the join path's statements plan in ~0.4 ms and run in ~0.1). Statements over
     * tables that grow during a sitting are planned at every run anyway (store/queries.ts).
     */
    PG_PLAN_CACHE_MODE: z.enum(['auto', 'force_custom_plan', 'force_generic_plan']).default('auto'),
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
    /**
     * Frames per second per socket (a token bucket: SOCKET_BURST at once, refilled at SOCKET_RATE_PER_S).
     * An honest candidate answering 20 questions a second, or resending a 200-answer outbox after a
     * reconnect, stays inside it. Over it a frame gets the retryable RATE_LIMITED; a socket that
     * overdraws the bucket by SOCKET_FLOOD_CUT frames is told why and disconnected. The SDK overdraws
     * by at most its in-flight window (64) before it slows to one answer at a time below the rate, so
     * even a whole 1,000-question outbox is slowed down, never cut.
     */
    SOCKET_RATE_PER_S: z.coerce.number().positive().default(20),
    SOCKET_BURST: z.coerce.number().int().positive().default(200),
    SOCKET_FLOOD_CUT: z.coerce.number().int().positive().default(200),
    /**
     * Connections per client address (X-Forwarded-For believed only from TRUSTED_PROXIES). Generous
     * on purpose: an exam center's whole room often reaches us through one NAT address. Beyond it:
     * the retryable TOO_MANY_CONNECTIONS.
     */
    MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().positive().default(50),
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
    /**
     * Submits one gateway finalises at once (each holds a pooled connection for its transaction);
     * more wait in a short queue, then get the retryable OVERLOADED, instead of queueing behind the
     * pool without bound. Keep it at or a little above PG_POOL_MAX.
     */
    SUBMITS_IN_FLIGHT_MAX: z.coerce.number().int().positive().default(12),
    /** Submits that wait for one of those slots (a waiting client does not retry); beyond it, or after SUBMIT_WAIT_MAX_MS, OVERLOADED. */
    SUBMITS_WAITING_MAX: z.coerce.number().int().min(0).default(1000),
    SUBMIT_WAIT_MAX_MS: z.coerce.number().int().positive().default(5000),
    /** The exam office's HTTP API (role `api`, and the demo): port on HOST; 0 = any free port (tests). */
    API_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
    /** Largest request body the API reads (an exam JSON, a QTI zip, a roster CSV), in MiB. */
    API_BODY_LIMIT_MB: z.coerce.number().int().positive().default(64),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().positive().default(10_000),
    /** Circuit breakers (store/breakers.ts): this many failures or timeouts in a row, within BREAKER_WINDOW_MS, open one. */
    BREAKER_FAILURES: z.coerce.number().int().min(1).default(5),
    BREAKER_WINDOW_MS: z.coerce.number().int().min(100).default(10_000),
    /** An open breaker refuses calls at once for this long, then lets one probe through. */
    BREAKER_COOLDOWN_MS: z.coerce.number().int().min(50).default(5000),
    /** A gateway query (join, submit) slower than this counts as a failure and gets STORE_UNAVAILABLE; below the SDK's 10 s ack timeout. */
    BREAKER_GATEWAY_PG_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
    /** A worker's flush or auto-submit slower than this counts as a failure; its job goes back to the queue. */
    BREAKER_WORKER_PG_TIMEOUT_MS: z.coerce.number().int().positive().default(15_000),
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
