import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode } from './helpers/node.js';
import { runQuery } from '../src/store/queries.js';
import { createAnswerQueue } from '../src/answers/queue.js';
import { seedDemo } from '../src/exam/seed.js';

/**
 * Invariant 3 at the edge: an answer received before the deadline but committed after the attempt
 * was auto-submitted still counts — the worker writes it and rescores the final attempt.
 */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config, 'all');
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

describe('answers committed after finalisation', () => {
  it('are written and the final score follows them', async () => {
    await seedDemo(env.sql, { sittingId: 'late', candidates: 20, durationMinutes: 1 / 60, graceSeconds: 0 });
    const startedAt = new Date(Date.now() - 5_000);
    await runQuery(env.sql, 'start-attempt', ['late', 'cand-000001', 'test', 'in_progress', startedAt]);
    const [ctx] = await runQuery<{ attempt_id: string; deadline_at: Date }>(env.sql, 'find-attempt-context', ['late', 'cand-000001']);
    const attemptId = ctx!.attempt_id;

    const outcome = await node.attempts.finalizer.finalize(attemptId, { status: 'auto_submitted', actor: 'test' });
    expect(outcome).toMatchObject({ kind: 'final', status: 'auto_submitted' });
    const before = await env.sql.unsafe('SELECT score FROM attempts WHERE id = $1', [attemptId]);
    expect(Number(before[0]!.score)).toBe(0);

    // received by a gateway just before the deadline, still in the queue when the auto-submit ran
    const receivedAt = ctx!.deadline_at.getTime() - 100;
    const connection = new Redis(env.config.REDIS_URL, { maxRetriesPerRequest: null });
    const queue = createAnswerQueue(connection, env.config);
    await queue.add('batch', { gatewayId: 'g-test', items: [{ a: attemptId, q: 'q04', s: 1, v: { kind: 'numeric', value: 24 }, r: receivedAt }] });
    await queue.close();
    connection.disconnect();

    const after = await waitFor(async () => {
      const [row] = await env.sql.unsafe('SELECT score, status FROM attempts WHERE id = $1', [attemptId]);
      return Number(row!.score) === 1 ? row : undefined;
    }, 10_000, 'the rescore');
    expect(after.status).toBe('auto_submitted');
    const [q] = await env.sql.unsafe("SELECT points, status FROM question_scores WHERE attempt_id = $1 AND question_id = 'q04'", [attemptId]);
    expect(q).toMatchObject({ status: 'scored' });
    expect(Number(q!.points)).toBe(1);
  });
});
