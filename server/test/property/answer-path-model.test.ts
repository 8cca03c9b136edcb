import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { MemoryOutboxStorage } from '@examhall/client-sdk';
import type { AnswerValue } from '@examhall/shared';
import { createAnswerQueue } from '../../src/answers/queue.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { tokenFor } from '../helpers/node.js';
import { answerPathCommands, commandCounts, newClient, type Model, type Real, type World } from './answer-path-commands.js';
import { fcParams } from './arbitraries.js';
import { startCutProxy, type CutProxy } from './cut-proxy.js';
import { spawnLogged, type LoggedProcess } from './logged-node.js';

/**
 * Model-based test of the whole answer path with real processes: a gateway and a worker (SIGKILLed
 * and replaced by some commands), the real SDK behind a proxy that drops connections, duplicate
 * deliveries straight into the BullMQ queue, and reloads on the same outbox storage. The model is
 * the last value saved per question; once the outbox has drained, Postgres must hold exactly that
 * (value and seq). Each run is a fresh candidate. Seed: see arbitraries.ts (FC_SEED).
 */
const RUNS = 20;
const MAX_COMMANDS = 25;

let env: TestEnv;
let gateway: LoggedProcess;
let worker: LoggedProcess;
const retiredWorkers: LoggedProcess[] = [];
let proxy: CutProxy;
let redis: Redis;
let world: World;
let nextCandidate = 0;

beforeAll(async () => {
  env = await createTestEnv({ WORKER_LOCK_MS: 2000 }, { candidates: 60 });
  gateway = await spawnLogged(env.config, 'gateway');
  worker = await spawnLogged(env.config, 'worker');
  proxy = await startCutProxy(gateway.port);
  redis = new Redis(env.config.REDIS_URL, { maxRetriesPerRequest: null });
  world = {
    proxy,
    queue: createAnswerQueue(redis, env.config),
    restartWorker: async () => {
      await worker.stop(); // SIGKILL: a batch it held stays locked until WORKER_LOCK_MS, then runs again
      retiredWorkers.push(worker);
      worker = await spawnLogged(env.config, 'worker');
    },
  };
}, 60_000);
afterAll(async () => {
  await world?.queue.close();
  redis?.disconnect();
  await proxy?.close();
  await worker?.stop();
  await gateway?.stop();
  await env?.cleanup();
});

async function setup(): Promise<{ model: Model; real: Real }> {
  const candidateId = env.seeded.candidateIds[nextCandidate++];
  if (!candidateId) throw new Error('out of seeded candidates: raise `candidates` in createTestEnv');
  const token = await tokenFor(env.config, candidateId, env.seeded.sittingId);
  const storage = new MemoryOutboxStorage();
  const errors: unknown[] = [];
  const url = `http://127.0.0.1:${proxy.port}`;
  const client = newClient(url, token, storage, errors);
  await client.connect();
  const reply = await client.join();
  return { model: { latest: new Map(), history: [] }, real: { world, url, client, storage, token, attemptId: reply.attemptId, errors } };
}

async function stored(attemptId: string) {
  const rows = await env.sql.unsafe<{ question_id: string; seq: number; value: AnswerValue }[]>('SELECT question_id, seq, value FROM answers WHERE attempt_id = $1', [attemptId]);
  return new Map(rows.map((r) => [r.question_id, { seq: r.seq, value: r.value }]));
}

describe('the answer path against a model: the last save per question', () => {
  it('after retries, reconnects, duplicate deliveries, reloads and worker restarts, Postgres holds exactly the last save per question', async () => {
    await fc.assert(
      fc.asyncProperty(answerPathCommands(MAX_COMMANDS), async (commands) => {
        const { model, real } = await setup();
        try {
          await fc.asyncModelRun(() => ({ model, real }), commands);
          await real.client.waitUntilDrained(60_000);
          // duplicate deliveries are not in the outbox: wait until the queue has run every batch
          await waitFor(async () => Object.values(await world.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')).every((n) => n === 0), 60_000, 'the answer queue to be idle');
          expect(await stored(real.attemptId)).toEqual(model.latest);
          expect(real.errors).toEqual([]);
        } finally {
          await real.client.close();
        }
      }),
      fcParams(RUNS),
    );
    // every kind of command really ran (with the default number of runs; FC_RUNS may ask for fewer)
    if (!process.env.FC_RUNS) {
      for (const kind of ['save', 'saveThenCut', 'reconnect', 'duplicateDelivery', 'reload', 'restartWorker']) expect(commandCounts.get(kind), kind).toBeGreaterThan(0);
    }
    expect(gateway.alive()).toBe(true);
    for (const p of [gateway, worker, ...retiredWorkers]) expect(p.problems()).toEqual([]);
  }, 240_000);
});
