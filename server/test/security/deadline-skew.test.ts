import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type SubmitReply, type TimeSyncReply } from '@examhall/shared';
import { seedDemo } from '../../src/exam/seed.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { rawEmit } from '../helpers/raw-client.js';
import { Opened, joinedCandidate, refusal } from './helpers.js';

/**
 * Invariant 3 against a client that lies about the time. The protocol carries no client time in an
 * answer, so the lies ride along as extra fields (what a patched page would send) and in time:sync;
 * the server decides by its own clock alone: inside deadline + grace an answer counts though the
 * client says it is an hour late, after it the answer is DEADLINE_PASSED though the client says it
 * is early, and a late submit ends the attempt as auto-submitted without its late answers.
 * (gateway-limits.test.ts covers the plain refusal after a deadline without grace.)
 */
const DURATION_S = 3;
const GRACE_S = 3;
let env: TestEnv;
const opened = new Opened();

beforeAll(async () => {
  env = await createTestEnv();
  await seedDemo(env.sql, { sittingId: 'skew', candidates: 20, durationMinutes: DURATION_S / 60, graceSeconds: GRACE_S });
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const until = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

describe('answers around the deadline with a skewed client clock', () => {
  it('the server clock decides: inside the grace it counts, after it DEADLINE_PASSED, whatever the client says', async () => {
    // a gateway without workers: no auto-submit races the late frame (a worker joins for the checks in Postgres)
    const gateway = await opened.node(env.config, 'gateway');
    const c = await joinedCandidate(opened, gateway.port, env.config, env.seeded.candidateIds[0]!, 'skew');
    const { attemptId, deadline, graceMs, startedAt } = c.reply;
    expect(graceMs).toBe(GRACE_S * 1000);
    const question = c.reply.paper!.questions.find((q) => q.type === 'numeric')!.id;
    const anHourLater = deadline! + 3_600_000;
    const save = (seq: number, clientTime: number) =>
      rawEmit(c.socket, EVENTS.answerSave, { attemptId, questionId: question, seq, value: { kind: 'numeric', value: seq }, clientTime, sentAt: clientTime, clientDeadline: clientTime + 60_000 });

    // the client's clock says an hour later; the server's time:sync reply is its own clock, not the client's
    const sync = await rawEmit<TimeSyncReply>(c.socket, EVENTS.timeSync, { clientSentAt: anHourLater });
    expect(sync).toMatchObject({ ok: true, data: { clientSentAt: anHourLater } });
    expect(Math.abs((sync.ok ? sync.data.serverTime : 0) - Date.now())).toBeLessThan(5_000);

    expect(await save(1, anHourLater)).toMatchObject({ ok: true, data: { status: 'queued' } });
    await until(deadline! + 500);
    const inGrace = await save(2, anHourLater);
    expect(inGrace).toMatchObject({ ok: true, data: { status: 'queued', seq: 2 } });
    const receivedInGrace = inGrace.ok ? (inGrace.data as { receivedAt: number }).receivedAt : 0;
    expect(receivedInGrace).toBeGreaterThan(deadline!);
    expect(receivedInGrace).toBeLessThanOrEqual(deadline! + graceMs);

    await until(deadline! + graceMs + 300);
    // now the client claims it is still the start of the exam
    expect(refusal(await save(3, startedAt!))).toMatchObject({ code: 'DEADLINE_PASSED', retryable: false });
    const submitted = await rawEmit<SubmitReply>(c.socket, EVENTS.submit, {
      attemptId, answers: [{ questionId: question, seq: 4, value: { kind: 'numeric', value: 4 } }], clientTime: startedAt,
    });
    expect(submitted).toMatchObject({ ok: true, data: { status: 'auto_submitted' } });

    await opened.node(env.config, 'worker', { GATEWAY_ID: `${env.config.GATEWAY_ID}-worker` });
    const [stored] = await waitFor(async () => {
      const rows = await env.sql.unsafe<{ seq: number; received_at: Date }[]>('SELECT seq, received_at FROM answers WHERE attempt_id = $1 AND question_id = $2', [attemptId, question]);
      return Number(rows[0]?.seq) === 2 ? rows : undefined;
    }, 15_000, 'the in-grace answer in Postgres');
    expect(stored!.received_at.getTime()).toBeGreaterThan(deadline!);
    // the two batches may commit in either order; the late answer and the late submit's were never queued
    const versions = await waitFor(async () => {
      const rows = await env.sql.unsafe<{ seq: number }[]>('SELECT seq FROM answer_events WHERE attempt_id = $1 AND question_id = $2 ORDER BY seq', [attemptId, question]);
      return rows.length >= 2 ? rows : undefined;
    }, 15_000, 'both on-time versions in the event log');
    expect(versions.map((v) => Number(v.seq))).toEqual([1, 2]);
    const [attempt] = await env.sql.unsafe('SELECT status FROM attempts WHERE id = $1', [attemptId]);
    expect(attempt!.status).toBe('auto_submitted');
  });
});
