import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../../server/src/config/config.js';
import { connectDatabase, type Sql } from '../../../server/src/store/db.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { seedDemo } from '../../../server/src/exam/seed.js';
import { TokenService } from '../../../server/src/auth/tokens.js';
import { createAnswerQueue } from '../../../server/src/answers/queue.js';
import { spawnServerRole, stopChild, type Child } from '../common/children.js';
import { socketInodesOf, tcpSockets } from '../common/tcp-sockets.js';

/**
 * A gateway's young generation capped at 4 MB per semi-space (V8's default grows to 16): during a
 * join stampede the default let 5,000 sockets take 325 MB of RSS, with this 175 MB (one gateway,
 * bench:capacity). infra/ sets the same flag for gateways.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=4';

export const SERVER_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../server');

/** What the orchestrator talks to besides the sockets: Postgres (seed, verify), Redis (queue, cleanup), tokens. */
export interface Backend {
  config: Config;
  sql: Sql;
  redis: Redis;
  tokens: TokenService;
  /** jobs not yet finished by a worker (waiting, active, delayed, ...) */
  queueBacklog(): Promise<number>;
  close(): Promise<void>;
}

export interface StackSettings {
  databaseUrl: string;
  redisUrl: string;
  schema: string;
  prefix: string;
  tokenSecret: string;
}

/** A schema and prefix nobody else uses, so runs never see each other's rows or keys. */
export function freshStackSettings(env: NodeJS.ProcessEnv): StackSettings {
  const id = randomBytes(4).toString('hex');
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    schema: `bench_${id}`,
    prefix: `bench-${id}`,
    tokenSecret: randomBytes(32).toString('hex'),
  };
}

export function openBackend(s: StackSettings): Backend {
  const config = loadConfig({
    DATABASE_URL: s.databaseUrl,
    DATABASE_SCHEMA: s.schema,
    REDIS_URL: s.redisUrl,
    REDIS_PREFIX: s.prefix,
    TOKEN_SECRET: s.tokenSecret,
    PG_POOL_MAX: '4',
  });
  const sql = connectDatabase(config);
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  redis.on('error', () => {}); // reported where it matters: by the calls that fail
  const queue = createAnswerQueue(redis, config);
  return {
    config,
    sql,
    redis,
    tokens: new TokenService(config),
    queueBacklog: async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'paused', 'waiting-children');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    close: async () => {
      await queue.close().catch(() => {});
      redis.disconnect();
      await sql.end({ timeout: 5 });
    },
  };
}

/** migrate + seedDemo (idempotent), so --url runs against a stack seeded with fewer candidates work too. */
export async function prepareDatabase(backend: Backend, candidates: number, sittingId: string): Promise<void> {
  await migrate(backend.sql, backend.config.DATABASE_SCHEMA);
  await seedDemo(backend.sql, { candidates, sittingId });
}

/** Drops the schema and every Redis key under the prefix. Only ever used on a stack we created. */
export async function dropStackData(backend: Backend): Promise<void> {
  await backend.sql.unsafe(`DROP SCHEMA IF EXISTS "${backend.config.DATABASE_SCHEMA}" CASCADE`);
  let cursor = '0';
  do {
    const [next, keys] = await backend.redis.scan(cursor, 'MATCH', `${backend.config.REDIS_PREFIX}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await backend.redis.unlink(...keys);
  } while (cursor !== '0');
}

/** The environment of every server process of one stack: forced settings identify this run. */
export function stackEnv(s: StackSettings, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    LOG_LEVEL: process.env.BENCH_SERVER_LOG_LEVEL ?? 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: s.databaseUrl,
    DATABASE_SCHEMA: s.schema,
    REDIS_URL: s.redisUrl,
    REDIS_PREFIX: s.prefix,
    TOKEN_SECRET: s.tokenSecret,
    // every simulated candidate connects from this one machine's address
    MAX_CONNECTIONS_PER_ADDRESS: process.env.MAX_CONNECTIONS_PER_ADDRESS ?? '1000000',
  };
}

/** Gateway number `i` of a stack (also to replace one that was killed: same name, same id). */
export function spawnGateway(env: NodeJS.ProcessEnv, i: number): Child {
  // Node flags of the gateways only, as infra/ deploys them (BENCH_GATEWAY_NODE_OPTIONS overrides; '' = none)
  const gatewayFlags = process.env.BENCH_GATEWAY_NODE_OPTIONS ?? GATEWAY_NODE_OPTIONS;
  const gatewayEnv = gatewayFlags ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${gatewayFlags}`.trim() } : {};
  return spawnServerRole(`gateway-${i}`, 'gateway', SERVER_DIR, { ...env, ...gatewayEnv, GATEWAY_ID: `bench-gw-${i}` });
}

/** Worker number `i` of a stack. */
export function spawnWorker(env: NodeJS.ProcessEnv, i: number): Child {
  return spawnServerRole(`worker-${i}`, 'worker', SERVER_DIR, { ...env, GATEWAY_ID: `bench-worker-${i}` });
}

export interface RunningStack {
  url: string;
  port: number;
  /** what each server process got: a replacement for a killed one is started with the same */
  env: NodeJS.ProcessEnv;
  /** live arrays: replacing an entry makes stop() stop the replacement */
  gateways: Child[];
  workers: Child[];
  stop(): Promise<void>;
}

/**
 * G gateways on one port (uWS sets SO_REUSEPORT, so the kernel spreads connections over them)
 * and W workers. Extra server settings (WORKER_CONCURRENCY, BATCH_MAX_WAIT_MS, ...) come from the
 * caller's environment; the ones that identify this run are forced.
 */
export async function startStack(backend: Backend, s: StackSettings, gateways: number, workers: number): Promise<RunningStack> {
  const port = await freePort();
  const env = stackEnv(s, port);
  const gw: Child[] = [];
  const wk: Child[] = [];
  for (let i = 1; i <= workers; i++) wk.push(spawnWorker(env, i));
  for (let i = 1; i <= gateways; i++) gw.push(spawnGateway(env, i));
  const stop = async () => {
    // gateways first: they flush their open batches into the queue the workers still drain
    await Promise.all(gw.map((c) => stopChild(c, 15_000)));
    await Promise.all(wk.map((c) => stopChild(c, 15_000)));
  };
  try {
    await waitUntil(async () => {
      for (const c of [...gw, ...wk]) if (c.proc.exitCode !== null) throw new Error(`${c.name} exited with code ${c.proc.exitCode} during start-up`);
      const listening = await Promise.all(gw.map((c) => isListening(c.proc.pid!, port)));
      if (!listening.every(Boolean)) return false;
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      return ready && (await queueWorkers(backend)) >= workers;
    }, 60_000, 'gateways listening, /readyz 200 and workers registered');
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://127.0.0.1:${port}`, port, env, gateways: gw, workers: wk, stop };
}

/** Workers registered on the answer queue (BullMQ names their Redis connections). */
export async function queueWorkers(backend: Backend): Promise<number> {
  const queue = createAnswerQueue(backend.redis, backend.config);
  try {
    return await queue.getWorkersCount();
  } finally {
    await queue.close();
  }
}

/** A port free right now on 127.0.0.1 (the tiny race with other programs is acceptable for a bench). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether `pid` holds a listening TCP socket on `port`. With SO_REUSEPORT every gateway has its
 * own listen socket, so this tells each gateway apart where /readyz (answered by any) cannot.
 */
export async function isListening(pid: number, port: number): Promise<boolean> {
  const held = socketInodesOf(pid);
  return tcpSockets().some((socket) => socket.listening && socket.localPort === port && held.has(socket.inode));
}

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
