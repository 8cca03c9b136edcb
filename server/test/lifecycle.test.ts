import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, type AttemptUpdated, type JoinReply, type SubmitReply } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { seedDemo } from '../src/exam/seed.js';
import { importExamDefinition } from '../src/exam/import.js';
import { runQuery } from '../src/store/queries.js';
import { asSittingWriter } from '../src/sittings/freeze.js';
import { DEMO_EXAM } from '../src/exam/demo-exam.js';
import { startSitting } from '../src/attempts/start-signal.js';

let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
const sockets: Socket[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.close();
  await env?.cleanup();
});

async function join(sittingId: string, candidate: string): Promise<{ socket: Socket; reply: JoinReply }> {
  const socket = rawConnect(node.port, await tokenFor(env.config, candidate, sittingId));
  sockets.push(socket);
  await connected(socket);
  return { socket, reply: await rawJoin(socket) };
}
const save = (s: Socket, attemptId: string, questionId: string, seq: number, value = 1) =>
  rawEmit(s, EVENTS.answerSave, { attemptId, questionId, seq, value: { kind: 'numeric', value } });
const attemptRow = async (attemptId: string) =>
  (await env.sql.unsafe('SELECT status, score, submitted_at, deadline_at, scoring_status FROM attempts WHERE id = $1', [attemptId]))[0]!;
const nextEvent = <T>(s: Socket, event: string) => new Promise<T>((resolve) => s.once(event, resolve));

describe('accommodations and extensions', () => {
  it('gives extra time from minutes and a multiplier, by the server clock', async () => {
    await seedDemo(env.sql, { sittingId: 'acc', candidates: 20, durationMinutes: 60 });
    await env.sql.unsafe("UPDATE candidates SET extra_time_s = 600, extra_time_multiplier = 1.5 WHERE id = 'cand-000001'");
    const before = Date.now();
    const { reply } = await join('acc', 'cand-000001');
    expect(reply.deadline! - reply.startedAt!).toBe((60 + 30 + 10) * 60_000);
    expect(reply.startedAt!).toBeGreaterThanOrEqual(before - 1000);
  });

  it('an extension reaches the candidate live, moves the auto-submit job and lets later answers count', async () => {
    await seedDemo(env.sql, { sittingId: 'ext', candidates: 20, durationMinutes: 2 / 60, graceSeconds: 0 });
    const { socket, reply } = await join('ext', 'cand-000002');
    const scheduler = node.attempts.scheduler;
    expect(await scheduler.delayOf(reply.attemptId, reply.deadline!)).not.toBeNull();

    const updated = nextEvent<AttemptUpdated>(socket, EVENTS.attemptUpdated);
    const update = await node.attempts.timing.extend(reply.attemptId, 60, { actor: 'test', reason: 'outage' });
    expect((await updated).deadline).toBe(update.deadline);
    expect(update.deadline! - reply.deadline!).toBe(60_000);
    expect(await scheduler.delayOf(reply.attemptId, update.deadline!)).not.toBeNull();
    expect(await scheduler.delayOf(reply.attemptId, reply.deadline!)).toBeNull();

    await new Promise((r) => setTimeout(r, Math.max(0, reply.deadline! - Date.now()) + 200));
    expect(await save(socket, reply.attemptId, 'q04', 1)).toMatchObject({ ok: true }); // past the old deadline
    const audit = await env.sql.unsafe("SELECT actor, details FROM audit_log WHERE attempt_id = $1 AND action = 'attempt.extended'", [reply.attemptId]);
    expect(audit[0]).toMatchObject({ actor: 'test', details: { seconds: 60, reason: 'outage' } });
  });

  it('a pause refuses answers and moves the deadline by the time paused', async () => {
    const { socket, reply } = await join('acc', 'cand-000003');
    await node.attempts.timing.pause(reply.attemptId, { actor: 'test' });
    await waitFor(async () => (await save(socket, reply.attemptId, 'q04', 1)).ok === false, 3000, 'pause to reach the gateway');
    expect(await save(socket, reply.attemptId, 'q04', 2)).toMatchObject({ ok: false, error: { code: 'ATTEMPT_PAUSED', retryable: true } });
    await new Promise((r) => setTimeout(r, 400));
    const resumed = await node.attempts.timing.resume(reply.attemptId, { actor: 'test' });
    expect(resumed.deadline! - reply.deadline!).toBeGreaterThanOrEqual(400);
    await waitFor(async () => (await save(socket, reply.attemptId, 'q04', 3)).ok, 3000, 'resume to reach the gateway');
  });
});

describe('submit and auto-submit', () => {
  it('submit writes the answers still in flight, scores, and is idempotent', async () => {
    const { socket, reply } = await join('acc', 'cand-000004');
    const id = reply.attemptId;
    const inFlight = [save(socket, id, 'q04', 1, 24), save(socket, id, 'q08', 2, 36), save(socket, id, 'q14', 3, 15)];
    const finalMap = [
      { questionId: 'q04', seq: 1, value: { kind: 'numeric', value: 24 } },
      { questionId: 'q08', seq: 2, value: { kind: 'numeric', value: 36 } },
      { questionId: 'q14', seq: 3, value: { kind: 'numeric', value: 15 } },
      { questionId: 'q10', seq: 4, value: { kind: 'text', text: 'mumbai' } }, // never sent on its own
    ];
    const submitted = await rawEmit<SubmitReply>(socket, EVENTS.submit, { attemptId: id, answers: finalMap });
    expect(submitted).toMatchObject({ ok: true, data: { status: 'submitted' } });
    await Promise.all(inFlight);
    const row = await attemptRow(id);
    expect(row).toMatchObject({ status: 'submitted', scoring_status: 'scored' });
    expect(Number(row.score)).toBe(4);
    const again = await rawEmit<SubmitReply>(socket, EVENTS.submit, { attemptId: id, answers: [] });
    expect(again).toMatchObject({ ok: true, data: { status: 'submitted' } });
    expect(await save(socket, id, 'q17', 9, 150)).toMatchObject({ ok: false, error: { code: 'ATTEMPT_CLOSED' } });
    const scores = await env.sql.unsafe('SELECT count(*)::int AS n FROM question_scores WHERE attempt_id = $1', [id]);
    expect(scores[0]!.n).toBe(DEMO_EXAM.questions.length);
  });

  it('auto-submits a disconnected candidate at deadline + grace, counting every in-time answer', async () => {
    await seedDemo(env.sql, { sittingId: 'auto', candidates: 20, durationMinutes: 2 / 60, graceSeconds: 1 });
    const { socket, reply } = await join('auto', 'cand-000005');
    expect(await save(socket, reply.attemptId, 'q17', 1, 150)).toMatchObject({ ok: true });
    socket.disconnect();
    const due = reply.deadline! + reply.graceMs;
    const row = await waitFor(async () => {
      const r = await attemptRow(reply.attemptId);
      return r.status === 'auto_submitted' ? r : undefined;
    }, 10_000, 'auto-submit');
    expect(Math.abs((row.submitted_at as Date).getTime() - due)).toBeLessThan(1000);
    expect(Number(row.score)).toBe(1);
  });
});

describe('lobby and synchronized start', () => {
  it('holds candidates in the lobby, then one signal hands every paper out from gateway memory', async () => {
    await seedDemo(env.sql, { sittingId: 'lobby', candidates: 20, startMode: 'signal' });
    const lobby = await Promise.all(['cand-000006', 'cand-000007', 'cand-000008'].map((c) => join('lobby', c)));
    for (const { reply, socket } of lobby) {
      expect(reply).toMatchObject({ status: 'lobby', paper: null, deadline: null });
      expect(await save(socket, reply.attemptId, 'q04', 1)).toMatchObject({ ok: false, error: { code: 'ATTEMPT_NOT_STARTED', retryable: true } });
    }
    const started = lobby.map(({ socket }) => nextEvent<JoinReply>(socket, EVENTS.examStarted));
    const signal = await startSitting({ sql: env.sql, ...node.attempts }, 'lobby', 'test');
    expect(signal.attempts).toBe(3);
    for (const [i, reply] of (await Promise.all(started)).entries()) {
      expect(reply).toMatchObject({ status: 'in_progress', startedAt: signal.startedAt });
      expect(reply.paper!.questions).toHaveLength(DEMO_EXAM.questions.length);
      expect(await save(lobby[i]!.socket, reply.attemptId, 'q04', 1)).toMatchObject({ ok: true });
    }
    const late = await join('lobby', 'cand-000009'); // joins after the signal: same start time
    expect(late.reply).toMatchObject({ status: 'in_progress', startedAt: signal.startedAt });
    await expect(startSitting({ sql: env.sql, ...node.attempts }, 'lobby', 'test')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('sections, clock and devices', () => {
  it('refuses answers to a section whose time is up', async () => {
    const exam = {
      ...DEMO_EXAM,
      id: 'sectioned',
      sections: [{ id: 'A', title: 'Quick', timeLimitS: 1 }, { id: 'B', title: 'Rest' }],
      questions: DEMO_EXAM.questions.map((q, i) => ({ ...q, section: i < 5 ? 'A' : 'B' })),
    };
    await importExamDefinition(env.sql, exam);
    await seedDemo(env.sql, { sittingId: 'sections', candidates: 20, graceSeconds: 0 });
    // re-pointing an open sitting to another exam is a frozen change (migration 006): the test says why
    await asSittingWriter(env.sql, { actor: 'test', override: { reason: 'test setup' } }, (tx) =>
      runQuery(tx, 'upsert-sitting', ['sections', 'sectioned', 1, 'Sectioned', new Date(Date.now() - 60_000), new Date(Date.now() + 3_600_000), 600, 0, 'on_join']));
    const { socket, reply } = await join('sections', 'cand-000010');
    expect(reply.paper!.sections.map((s) => s.id)).toEqual(['A', 'B']);
    await new Promise((r) => setTimeout(r, 1200));
    expect(await save(socket, reply.attemptId, 'q04', 1)).toMatchObject({ ok: false, error: { code: 'SECTION_CLOSED' } });
    expect(await save(socket, reply.attemptId, 'q08', 1)).toMatchObject({ ok: true });
    // nor can the final map of a submit slip one in
    const submitted = await rawEmit<SubmitReply>(socket, EVENTS.submit, {
      attemptId: reply.attemptId,
      answers: [{ questionId: 'q04', seq: 5, value: { kind: 'numeric', value: 24 } }, { questionId: 'q08', seq: 1, value: { kind: 'numeric', value: 1 } }],
    });
    expect(submitted).toMatchObject({ ok: true, data: { status: 'submitted' } });
    const stored = await env.sql.unsafe('SELECT question_id FROM answers WHERE attempt_id = $1 ORDER BY question_id', [reply.attemptId]);
    expect(stored.map((r) => r.question_id)).toEqual(['q08']);
  });

  it('answers time:sync with the server clock and never trusts the client\'s', async () => {
    const { socket } = await join('acc', 'cand-000011');
    const skewed = Date.now() - 5 * 3_600_000;
    const sync = await rawEmit<{ clientSentAt: number; serverTime: number }>(socket, EVENTS.timeSync, { clientSentAt: skewed });
    expect(sync.ok && sync.data.clientSentAt).toBe(skewed);
    expect(sync.ok && Math.abs(sync.data.serverTime - Date.now())).toBeLessThan(1000);
  });

  it('a second device takes over: the older socket is told and closed', async () => {
    const first = await join('acc', 'cand-000012');
    const replaced = nextEvent<{ attemptId: string }>(first.socket, EVENTS.sessionReplaced);
    const closed = nextEvent<string>(first.socket, 'disconnect');
    const second = await join('acc', 'cand-000012');
    expect(await replaced).toEqual({ attemptId: first.reply.attemptId });
    expect(await closed).toBe('io server disconnect');
    expect(second.reply.attemptId).toBe(first.reply.attemptId);
    expect(await save(second.socket, second.reply.attemptId, 'q04', 1)).toMatchObject({ ok: true });
  });
});
