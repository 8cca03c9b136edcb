/**
 * The capacity bench's lean client parses the Socket.IO wire protocol by hand: against a real
 * node it must join, get its answers acked and committed, submit, and report refusals as codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../server/test/helpers/env.js';
import { startTestNode, tokenFor, type TestNode } from '../../server/test/helpers/node.js';
import { Samples } from '../src/answers/stats.js';
import type { LoadMetrics } from '../src/answers/candidate.js';
import { zeroCounters } from '../src/capacity/ipc.js';
import { LeanCandidate } from '../src/capacity/lean-candidate.js';

let env: TestEnv;
let node: TestNode;
const metrics = (): LoadMetrics => ({ counters: zeroCounters(), ackMs: new Samples(), commitMs: new Samples(), errorSamples: new Set() });

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

describe('LeanCandidate against a real node', () => {
  it('joins, saves answers that are acked and committed, and submits', async () => {
    const m = metrics();
    const token = await tokenFor(env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId);
    const candidate = new LeanCandidate(`http://127.0.0.1:${node.port}`, token, '127.0.0.2', m);
    expect(await candidate.start()).toBe(true);
    expect(candidate.attemptId).toMatch(/.+/);
    const now = Date.now();
    await candidate.answerUntil(now, now + 1500, 100);
    await candidate.drain(10_000);
    expect(m.counters.acked).toBeGreaterThan(5);
    expect(m.counters.committed).toBe(m.counters.acked);
    expect(candidate.pendingCount()).toBe(0);
    expect(m.ackMs.count).toBe(m.counters.acked);

    // every acked seq is what Postgres holds (or older than a later save of the same question)
    const rows = await env.sql.unsafe<{ question_id: string; seq: number }[]>('SELECT question_id, seq FROM answers WHERE attempt_id = $1', [candidate.attemptId!]);
    const stored = new Map(rows.map((r) => [r.question_id, r.seq]));
    for (const [questionId, seq] of candidate.ackedSeq) expect(stored.get(questionId)).toBe(seq);

    await candidate.submit();
    const [attempt] = await env.sql.unsafe<{ status: string }[]>('SELECT status FROM attempts WHERE id = $1', [candidate.attemptId!]);
    expect(attempt!.status).toBe('submitted');
    await candidate.submit(); // a second submit is answered like the first
    // a save after the submit is refused for good, with a code
    const later = Date.now();
    await candidate.answerUntil(later, later + 400, 100);
    expect(m.counters.rejected).toBeGreaterThan(0);
    expect([...m.errorSamples].some((e) => /^rejected:[A-Z_]+$/.test(e))).toBe(true);
    await candidate.close();
    expect(m.counters.disconnects).toBe(0);
  });

  it('reports a refused handshake with the server\'s code', async () => {
    const m = metrics();
    const candidate = new LeanCandidate(`http://127.0.0.1:${node.port}`, 'not-a-token', '127.0.0.2', m);
    expect(await candidate.start()).toBe(false);
    expect(m.counters.connectErrors).toBe(1);
    expect([...m.errorSamples][0]).toMatch(/^connect:[A-Z_]+$/);
  });
});
