import { createAnswerQueue } from '../../../server/src/answers/queue.js';
import type { Child } from '../common/children.js';
import { isListening, queueWorkers, spawnGateway, spawnWorker, waitUntil, type Backend, type RunningStack } from '../answers/stack.js';
import type { OwnPostgres } from './own-postgres.js';
import type { OwnRedis } from './own-redis.js';

export const SCENARIO_NAMES = [
  'gateway-kill',
  'worker-kill',
  'worker-stop',
  'redis-flush-restart',
  'postgres-restart',
  'redis-unreachable',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Everything a fault may act on: the stack's processes and the suite's own Redis and Postgres. */
export interface ChaosContext {
  stack: RunningStack;
  redis: OwnRedis;
  pg: OwnPostgres;
  backend: Backend;
  workerLockMs: number;
  unreachableS: number;
  log(line: string): void;
}

export interface Scenario {
  name: ScenarioName;
  /** what the fault does, for the report */
  fault: string;
  /** injects the fault; resolves at its end (for a kill: right after the kill) with that time, epoch ms */
  inject(ctx: ChaosContext): Promise<number>;
  /** after the measurement: restarts whatever was killed, so the next scenario starts healthy */
  heal(ctx: ChaosContext): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGKILL, and the time just after it; the exit itself is awaited (the kernel has closed its sockets then). */
async function killHard(child: Child): Promise<number> {
  child.proc.kill('SIGKILL');
  const at = Date.now();
  await child.exited;
  return at;
}

/**
 * SIGSTOPs the worker at a moment it holds at least one batch, so the fault truly hits a batch
 * mid-flush (an idle worker dies harmlessly). Batches still active after two looks 150 ms apart
 * are the frozen worker's (the other one finishes its own in milliseconds). Returns their count.
 */
async function freezeWhileHoldingBatches(ctx: ChaosContext, child: Child): Promise<number> {
  const queue = createAnswerQueue(ctx.backend.redis, ctx.backend.config);
  const activeIds = async () => new Set((await queue.getJobs(['active'])).map((j) => j.id));
  try {
    for (let tries = 0; tries < 100; tries++) {
      child.proc.kill('SIGSTOP');
      await sleep(150);
      const first = await activeIds();
      if (first.size > 0) {
        await sleep(150);
        const held = [...(await activeIds())].filter((id) => first.has(id)).length;
        if (held > 0) return held;
      }
      child.proc.kill('SIGCONT');
      await sleep(20 + Math.random() * 30);
    }
    child.proc.kill('SIGSTOP');
    ctx.log(`chaos: ${child.name} never held a batch in 100 looks; the fault hits it idle`);
    return 0;
  } finally {
    await queue.close();
  }
}

async function replaceGateway(ctx: ChaosContext, index: number): Promise<void> {
  const child = spawnGateway(ctx.stack.env, index + 1);
  ctx.stack.gateways[index] = child;
  await waitUntil(async () => {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited with code ${child.proc.exitCode} after its restart`);
    return isListening(child.proc.pid!, ctx.stack.port);
  }, 60_000, `${child.name} listening again`);
}

async function replaceWorker(ctx: ChaosContext, index: number): Promise<void> {
  const child = spawnWorker(ctx.stack.env, index + 1);
  ctx.stack.workers[index] = child;
  await workersRegistered(ctx, `${child.name} registered again`);
}

export async function workersRegistered(ctx: ChaosContext, what = 'every worker registered on the queue'): Promise<void> {
  await waitUntil(async () => (await queueWorkers(ctx.backend).catch(() => 0)) >= ctx.stack.workers.length, 60_000, what, 250);
}

const SCENARIOS: Record<ScenarioName, Scenario> = {
  'gateway-kill': {
    name: 'gateway-kill',
    fault: 'SIGKILL gateway-1 (its candidates reconnect to the others on the same port)',
    inject: (ctx) => killHard(ctx.stack.gateways[0]!),
    heal: (ctx) => replaceGateway(ctx, 0),
  },
  'worker-kill': {
    name: 'worker-kill',
    fault: 'SIGKILL worker-1 while it holds a batch (locked until WORKER_LOCK_MS expires)',
    inject: async (ctx) => {
      const worker = ctx.stack.workers[0]!;
      const held = await freezeWhileHoldingBatches(ctx, worker);
      ctx.log(`chaos: ${worker.name} holds ${held} batch(es); SIGKILL`);
      return killHard(worker);
    },
    heal: (ctx) => replaceWorker(ctx, 0),
  },
  'worker-stop': {
    name: 'worker-stop',
    fault: 'SIGSTOP worker-1 while it holds a batch, for WORKER_LOCK_MS + 5 s, then SIGCONT (its locks expire while it sleeps)',
    inject: async (ctx) => {
      const worker = ctx.stack.workers[0]!;
      const proc = worker.proc;
      const stoppedAt = Date.now();
      const held = await freezeWhileHoldingBatches(ctx, worker);
      ctx.log(`chaos: ${worker.name} stopped holding ${held} batch(es)`);
      await sleep(Math.max(0, stoppedAt + ctx.workerLockMs + 5000 - Date.now()));
      proc.kill('SIGCONT');
      return Date.now();
    },
    heal: async (ctx) => {
      if (ctx.stack.workers[0]!.proc.exitCode !== null) await replaceWorker(ctx, 0);
      await workersRegistered(ctx);
    },
  },
  'redis-flush-restart': {
    name: 'redis-flush-restart',
    fault: 'FLUSHALL, then Redis restarted empty (no persistence)',
    inject: async (ctx) => {
      await ctx.redis.flushAndRestart();
      return Date.now();
    },
    heal: (ctx) => workersRegistered(ctx),
  },
  'postgres-restart': {
    name: 'postgres-restart',
    fault: 'pg_ctl restart -m fast (every connection cut)',
    inject: async (ctx) => {
      await ctx.pg.restart();
      return Date.now();
    },
    heal: async () => undefined,
  },
  'redis-unreachable': {
    name: 'redis-unreachable',
    fault: 'redis-server SIGSTOPped for --unreachable-s, then SIGCONT (connections hang, as in a partition)',
    inject: async (ctx) => {
      ctx.redis.freeze();
      await sleep(ctx.unreachableS * 1000);
      ctx.redis.thaw();
      return Date.now();
    },
    heal: (ctx) => workersRegistered(ctx),
  },
};

export function scenario(name: ScenarioName): Scenario {
  return SCENARIOS[name];
}
