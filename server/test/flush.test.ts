import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { runQuery } from '../src/store/queries.js';
import { distinctVersions, flushAnswers, latestPerQuestion } from '../src/worker/flush.js';
import type { AnswerItem } from '../src/answers/queue.js';

let env: TestEnv;
let attempts: string[];

beforeAll(async () => {
  env = await createTestEnv();
  attempts = [];
  for (const candidate of env.seeded.candidateIds.slice(0, 3)) {
    await runQuery(env.sql, 'start-attempt', [env.seeded.sittingId, candidate, 'test', 'in_progress', new Date()]);
    const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'find-attempt-context', [env.seeded.sittingId, candidate]);
    attempts.push(row!.attempt_id);
  }
});
afterAll(() => env?.cleanup());

const item = (a: string, q: string, s: number, text = `v${s}`): AnswerItem => ({ a, q, s, v: { kind: 'text', text }, r: Date.now() });

async function stored(attemptId: string) {
  const rows = await runQuery<{ question_id: string; seq: number; value: { text: string } }>(env.sql, 'attempt-answers', [attemptId]);
  return Object.fromEntries(rows.map((r) => [r.question_id, { seq: r.seq, text: r.value.text }]));
}

describe('flushing answer batches', () => {
  it('keeps the highest seq inside one batch, whatever the order', async () => {
    const a = attempts[0]!;
    await flushAnswers(env.sql, 'g1', [item(a, 'q05', 3), item(a, 'q05', 7), item(a, 'q05', 5), item(a, 'q10', 1)]);
    expect(await stored(a)).toEqual({ q05: { seq: 7, text: 'v7' }, q10: { seq: 1, text: 'v1' } });
  });

  it('never moves a stored answer back: older seqs and replays in later batches are ignored', async () => {
    const a = attempts[0]!;
    await flushAnswers(env.sql, 'g1', [item(a, 'q05', 6, 'older')]);
    await flushAnswers(env.sql, 'g2', [item(a, 'q05', 7, 'v7')]); // exact replay
    expect((await stored(a)).q05).toEqual({ seq: 7, text: 'v7' });
    await flushAnswers(env.sql, 'g1', [item(a, 'q05', 8, 'newer')]);
    expect((await stored(a)).q05).toEqual({ seq: 8, text: 'newer' });
  });

  it('logs every distinct version exactly once, even when delivered twice', async () => {
    const b = attempts[1]!;
    const batch = [item(b, 'q01', 1), item(b, 'q01', 1), item(b, 'q01', 2)];
    await flushAnswers(env.sql, 'g1', batch);
    await flushAnswers(env.sql, 'g1', batch); // the whole job retried
    const events = await env.sql.unsafe('SELECT seq, count(*)::int AS n FROM answer_events WHERE attempt_id = $1 GROUP BY seq ORDER BY seq', [b]);
    expect(events.map((r) => [r.seq, r.n])).toEqual([[1, 1], [2, 1]]);
  });

  it('keeps attempts apart and stores a cleared answer as null', async () => {
    const [a, c] = [attempts[0]!, attempts[2]!];
    await flushAnswers(env.sql, 'g1', [{ a: c, q: 'q05', s: 1, v: null, r: Date.now() }]);
    const rows = await env.sql.unsafe('SELECT value FROM answers WHERE attempt_id = $1 AND question_id = $2', [c, 'q05']);
    expect(rows[0]!.value).toBeNull();
    expect((await stored(a)).q05!.seq).toBe(8);
  });

  it('the event log is append-only', async () => {
    await expect(env.sql.unsafe('DELETE FROM answer_events')).rejects.toThrow(/append-only/);
    await expect(env.sql.unsafe('UPDATE answer_events SET seq = seq + 1')).rejects.toThrow(/append-only/);
  });
});

describe('batch dedupe helpers', () => {
  it('distinctVersions keeps the earliest receipt of each (attempt, question, seq)', () => {
    const early = { a: 'x', q: 'q', s: 1, v: null, r: 10 };
    const late = { ...early, r: 20 };
    expect(distinctVersions([late, early])).toEqual([early]);
  });
  it('latestPerQuestion keeps the highest seq per (attempt, question)', () => {
    const items = [item('x', 'q1', 2), item('x', 'q1', 9), item('y', 'q1', 1), item('x', 'q2', 4)];
    expect(latestPerQuestion(items).map((i) => `${i.a}/${i.q}/${i.s}`).sort()).toEqual(['x/q1/9', 'x/q2/4', 'y/q1/1']);
  });
});
