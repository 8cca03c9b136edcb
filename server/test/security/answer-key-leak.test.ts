import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { AnswerKey, EVENTS, type AnswerValue, type JoinReply, type PaperQuestion } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { tokenFor, type TestNode } from '../helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from '../helpers/raw-client.js';
import { keyMaterial, scanFrames, type KeyMaterial } from './answer-key-scanner.js';
import { Opened, watchingProctor } from './helpers.js';

/**
 * Invariant 4: the answer key never leaves the server. A candidate sits a whole exam (two devices,
 * proctor interventions, submit, a rejoin after the submit) while every frame it receives is
 * recorded, events and acks alike; none may carry key material. The scanner is shown to find
 * keys in frames that do carry them, so a clean scan means something.
 */
let env: TestEnv;
let node: TestNode;
let material: KeyMaterial;
let keys: Map<string, AnswerKey>;
const opened = new Opened();

beforeAll(async () => {
  env = await createTestEnv();
  node = await opened.node(env.config, 'all', { PROCTOR_FEED_INTERVAL_MS: 50 });
  // the keys as the server stores them, apart from the content
  const rows = await env.sql.unsafe<{ question_id: string; key: unknown }[]>('SELECT question_id, key FROM exam_keys');
  keys = new Map(rows.map((r) => [r.question_id, AnswerKey.parse(r.key)]));
  material = keyMaterial(keys);
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

/** A socket whose every received engine.io frame (handshake, events, acks) is kept, in order. */
function recordedSocket(frames: string[], token: string): Socket {
  const socket = opened.socket(rawConnect(node.port, token));
  socket.io.engine.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type === 'open') frames.push(`0${String(packet.data)}`);
    if (packet.type === 'message') frames.push(`4${String(packet.data)}`);
  });
  return socket;
}

/** Always a wrong answer: the candidate's own answers come back to it and must not look like keys. */
function wrongAnswer(q: PaperQuestion, attempt: number): AnswerValue {
  const key = keys.get(q.id)!;
  const wrongOptions = (q.options ?? []).map((o) => o.id).filter((id) => !material.correctOptionIds.has(id));
  switch (key.type) {
    case 'single':
      return { kind: 'choice', optionIds: [wrongOptions[attempt % wrongOptions.length]!] };
    case 'multiple':
      return { kind: 'choice', optionIds: wrongOptions.slice(0, 1) };
    case 'numeric':
      return { kind: 'numeric', value: key.value + 1000.5 + attempt };
    default:
      return { kind: 'text', text: `no idea ${attempt}` };
  }
}

describe('answer-key leak scan', () => {
  it('the scanner finds key material when a frame carries it, and nothing in a clean frame', async () => {
    const q01 = keys.get('q01') as Extract<AnswerKey, { type: 'single' }>;
    const paperQuestion = { id: 'q01', type: 'single', prompt: 'p', points: 1, options: [{ id: q01.optionId, text: 'x' }, { id: 'q01-a', text: 'y' }] };
    const clean = `43/candidate,7[{"ok":true,"data":{"paper":{"questions":[${JSON.stringify(paperQuestion)}]},"serverTime":24,"deadline":36}}]`;
    expect(scanFrames([clean], material)).toEqual([]);
    const leaks = [
      `43/candidate,7[{"ok":true,"data":{"paper":{"questions":[${JSON.stringify({ ...paperQuestion, key: q01 })}]}}}]`,
      `42/candidate,["proctor:message",{"id":"m","text":"The capital is MUMBAI, by the way","at":1,"audience":"sitting"}]`,
      `42/candidate,["attempt:updated",{"hint":"${q01.optionId}"}]`,
      `43/candidate,9[{"ok":true,"data":{"questionId":"q11","expectedValue":3.141}}]`,
      `43/candidate,9[{"ok":true,"data":{"status":"submitted","Score":17}}]`,
    ];
    const findings = scanFrames(leaks, material);
    expect(new Set(findings.map((f) => f.frame))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(findings.map((f) => f.why)).toEqual(expect.arrayContaining([
      'a field named "key"', 'the accepted answer "Mumbai" of q10', `the correct option id ${q01.optionId}`, 'the numeric key 3.14 of q11', 'a field named "Score"',
    ]));
  });

  it('a whole exam, as one candidate receives it, carries no key material', async () => {
    const candidateId = env.seeded.candidateIds[0]!;
    const token = await tokenFor(env.config, candidateId, env.seeded.sittingId);
    const frames: string[] = [];
    const events = new Set<string>();
    const listen = (s: Socket) => s.onAny((event: string) => events.add(event));

    // first device: join, navigate, answer every question (and change a few answers)
    const first = recordedSocket(frames, token);
    listen(first);
    await connected(first);
    const reply: JoinReply = await rawJoin(first);
    const committed = new Set<string>();
    first.on(EVENTS.answerCommitted, (n: { items: { questionId: string }[] }) => n.items.forEach((i) => committed.add(i.questionId)));
    for (const [i, q] of reply.paper!.questions.entries()) {
      expect(await rawEmit(first, EVENTS.activity, { attemptId: reply.attemptId, kind: 'navigate', questionId: q.id })).toMatchObject({ ok: true });
      expect(await rawEmit(first, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: q.id, seq: 1, value: wrongAnswer(q, 0) })).toMatchObject({ ok: true });
      if (i % 4 === 0) expect(await rawEmit(first, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: q.id, seq: 2, value: wrongAnswer(q, 1) })).toMatchObject({ ok: true });
    }
    expect(await rawEmit(first, EVENTS.activity, { attemptId: reply.attemptId, kind: 'focus_lost' })).toMatchObject({ ok: true });
    await waitFor(() => committed.size === reply.paper!.questions.length, 15_000, 'every answer committed');

    // a proctor extends, messages, locks and unlocks: what the candidate hears of it is recorded too
    const admin = await watchingProctor(opened, node.port, env.config, 'a1', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] });
    for (const action of [
      { kind: 'extend', seconds: 300, reason: 'late start' },
      { kind: 'message', text: 'Thirty minutes left' },
      { kind: 'lock', reason: 'check id' },
      { kind: 'unlock', reason: 'id ok' },
    ]) {
      expect(await rawEmit(admin, EVENTS.proctorAction, { ...action, target: { candidates: [candidateId] } })).toMatchObject({ ok: true, data: { applied: 1 } });
    }
    await waitFor(() => events.has(EVENTS.proctorMessage) && events.has(EVENTS.attemptUpdated), 10_000, 'the proctor frames');

    // a second device takes over; it submits; a third joins after the submit
    const replaced = new Promise((resolve) => first.once(EVENTS.sessionReplaced, resolve));
    const second = recordedSocket(frames, token);
    listen(second);
    await connected(second);
    const rejoined = await rawJoin(second);
    await replaced;
    expect(await rawEmit(second, EVENTS.timeSync, { clientSentAt: Date.now() })).toMatchObject({ ok: true });
    const submittedNotice = new Promise((resolve) => second.on(EVENTS.attemptUpdated, (u: { status: string }) => u.status === 'submitted' && resolve(u)));
    expect(await rawEmit(second, EVENTS.submit, { attemptId: rejoined.attemptId, answers: rejoined.answers })).toMatchObject({ ok: true, data: { status: 'submitted' } });
    await submittedNotice;
    const third = recordedSocket(frames, token);
    await connected(third);
    expect(await rawJoin(third)).toMatchObject({ attemptId: reply.attemptId, status: 'submitted' });
    const [scored] = await env.sql.unsafe('SELECT score FROM attempts WHERE id = $1', [reply.attemptId]);
    expect(Number(scored!.score)).toBe(0); // every answer was wrong: nothing the candidate saw was a key it used

    // the recording saw the whole exam, and none of it carries a key
    for (const event of [EVENTS.answerCommitted, EVENTS.attemptUpdated, EVENTS.proctorMessage, EVENTS.sessionReplaced]) expect(events).toContain(event);
    const acks = frames.filter((f) => f.startsWith('43'));
    expect(acks.length).toBeGreaterThan(reply.paper!.questions.length * 2);
    expect(frames.filter((f) => f.includes('"paper":{')).length).toBeGreaterThanOrEqual(3); // the three joins' papers
    expect(scanFrames(frames, material)).toEqual([]);
  });
});
