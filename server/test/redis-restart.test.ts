import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ANSWER_QUEUE } from '../src/answers/queue.js';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { randomAnswer, type PaperQuestion } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor, type TestNode } from './helpers/node.js';
import { findBinary } from './helpers/proxies.js';
import { startRedisServer, type OwnRedisServer } from './helpers/redis-server.js';

/**
 * Redis restarted empty (no persistence) during an exam, on a redis-server of this file's own (the
 * shared one is never restarted). Found by `npm run chaos` (redis-flush-restart, resume 15 s):
 * - an answer acknowledged `queued` whose job went with Redis' data must not wait for the SDK's
 *   resendAfterMs: the gateway notices the loss when it beats again and sends `answers:resend`;
 * - a worker whose Redis was down (its reconnects refused) takes new batches again within seconds;
 * - commit notices published while a gateway's adapter subscriber was away are never delivered, so
 *   after it reconnects the gateway sends `answers:resend` too.
 * Skipped where redis-server is missing, unless REQUIRE_CLUSTER_TESTS=1 (CI needs redis-server anyway).
 */
const REDIS_SERVER = findBinary('redis-server');
const REDIS_CLI = findBinary('redis-cli');
const available = Boolean(REDIS_SERVER && REDIS_CLI);
if (!available && process.env.REQUIRE_CLUSTER_TESTS === '1') throw new Error('redis-server or redis-cli not found, and REQUIRE_CLUSTER_TESTS=1 (CI) forbids skipping');
if (!available) process.stderr.write('redis-restart.test.ts: redis-server or redis-cli not found, skipped (apt-get install redis-server)\n');

/** far beyond every wait below: a commit that arrives cannot be the SDK's own timed resend */
const RESEND_AFTER_MS = 120_000;

let redis: OwnRedisServer | undefined;
let env: TestEnv | undefined;
const nodes: TestNode[] = [];
let client: ExamClient | undefined;

beforeAll(async () => {
  if (!available) return;
  redis = await startRedisServer(REDIS_SERVER!, REDIS_CLI!);
  env = await createTestEnv({ REDIS_URL: redis.url });
}, 60_000);
afterAll(async () => {
  await client?.close();
  for (const node of nodes.reverse()) await node.close();
  await env?.cleanup();
  await redis?.stop();
}, 60_000);

function committed(c: ExamClient, questionId: string, seq: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.off('committed', onCommitted);
      reject(new Error(`${questionId}#${seq} not committed within ${timeoutMs} ms`));
    }, timeoutMs);
    const onCommitted = (item: { questionId: string; seq: number }) => {
      if (item.questionId !== questionId || item.seq < seq) return;
      clearTimeout(timer);
      c.off('committed', onCommitted);
      resolve();
    };
    c.on('committed', onCommitted);
  });
}

function queued(c: ExamClient, questionId: string, seq: number): Promise<void> {
  return new Promise((resolve) => {
    const onQueued = (item: { questionId: string; seq: number }) => {
      if (item.questionId !== questionId || item.seq !== seq) return;
      c.off('queued', onQueued);
      resolve();
    };
    c.on('queued', onQueued);
  });
}

async function storedSeq(attemptId: string, questionId: string): Promise<number | undefined> {
  const [row] = await env!.sql.unsafe<{ seq: string }[]>('SELECT seq FROM answers WHERE attempt_id = $1 AND question_id = $2', [attemptId, questionId]);
  return row ? Number(row.seq) : undefined;
}

describe.skipIf(!available)('Redis restarted empty', () => {
  let question: PaperQuestion;

  it('an answer queued before the restart is committed after it without waiting for resendAfterMs', async () => {
    // a gateway and no worker yet: the answer stays queued, its job only in Redis
    const gateway = await startTestNode(env!.config, 'gateway');
    nodes.push(gateway);
    client = new ExamClient({
      url: `http://127.0.0.1:${gateway.port}`,
      token: await tokenFor(env!.config, env!.seeded.candidateIds[0]!, env!.seeded.sittingId),
      storage: new MemoryOutboxStorage(),
      resendAfterMs: RESEND_AFTER_MS,
    });
    await client.connect();
    const reply = await client.join();
    question = reply.paper!.questions[0]!;
    const ref = await client.saveAnswer(question.id, randomAnswer(question));
    await queued(client, ref.questionId, ref.seq);

    await redis!.restartEmpty(); // the job is gone
    const done = committed(client, ref.questionId, ref.seq, 30_000);
    nodes.push(await startTestNode(env!.config, 'worker'));
    await done;
    expect(await storedSeq(reply.attemptId, question.id)).toBe(ref.seq);
  }, 60_000);

  it('a worker whose Redis was down for a second commits new answers within seconds', async () => {
    await redis!.restartEmpty(1000); // long enough for the worker's reconnects to fail
    const ref = await client!.saveAnswer(question.id, randomAnswer(question));
    await committed(client!, ref.questionId, ref.seq, 12_000);
    expect(await storedSeq(client!.attemptId!, question.id)).toBe(ref.seq);
  }, 60_000);

  it('a gateway whose adapter subscriber reconnected has its candidates resend what is not committed', async () => {
    await nodes.pop()!.close(); // the worker: from now on answers stay queued
    const ref = await client!.saveAnswer(question.id, randomAnswer(question));
    await queued(client!, ref.questionId, ref.seq);
    const connection = new Redis(env!.config.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(ANSWER_QUEUE, { connection, prefix: env!.config.REDIS_PREFIX });
    try {
      const before = await queue.getWaitingCount();
      expect(before).toBeGreaterThan(0);
      await redis!.cli('client', 'kill', 'type', 'pubsub'); // no data lost: only the subscriber drops and reconnects
      // the SDK's own resend is 120 s away: a second job for the answer can only come from answers:resend
      await waitFor(async () => (await queue.getWaitingCount()) > before, 15_000, 'the queued answer sent again');
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }, 60_000);
});
