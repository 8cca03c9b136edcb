import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type ExamDefinition, type JoinReply, type ProtocolError } from '@examhall/shared';
import { importExamDefinition } from '../../src/exam/import.js';
import { seedDemo } from '../../src/exam/seed.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import type { TestNode } from '../helpers/node.js';
import { rawEmit } from '../helpers/raw-client.js';
import { Opened, attemptState, auditRow, auditRows, joinedCandidate, refusal, withoutIds } from './helpers.js';

/**
 * Insecure direct object references, for every candidate → server event: frames carrying another
 * candidate's attempt (same sitting, another sitting) or ids from another paper are refused with a
 * code, the same code and text as for an id that exists nowhere (no probing), and the victims'
 * rows in Postgres do not change.
 */
const CANDIDATE_EVENTS = [EVENTS.join, EVENTS.answerSave, EVENTS.timeSync, EVENTS.submit, EVENTS.activity] as const;

/** Another exam in the same database: its question and option ids are real, just not on this paper. */
const OTHER_EXAM: ExamDefinition = {
  id: 'other-exam',
  version: 1,
  title: 'Another paper',
  sections: [],
  questions: [
    { id: 'zz-01', type: 'single', prompt: 'Pick one', points: 1, options: [{ id: 'zz-01-a', text: 'A' }, { id: 'zz-01-b', text: 'B' }], key: { type: 'single', optionId: 'zz-01-a' } },
    { id: 'zz-02', type: 'numeric', prompt: 'A number', points: 1, key: { type: 'numeric', value: 7, tolerance: 0 } },
  ],
};

let env: TestEnv;
let node: TestNode;
const opened = new Opened();
let attacker: { socket: Socket; reply: JoinReply; attemptId: string };
let victims: { id: string; attemptId: string; before: unknown }[];

async function preparedVictim(candidateId: string, sittingId: string) {
  const v = await joinedCandidate(opened, node.port, env.config, candidateId, sittingId);
  const numeric = v.reply.paper!.questions.find((q) => q.type === 'numeric')!;
  expect(await rawEmit(v.socket, EVENTS.answerSave, { attemptId: v.attemptId, questionId: numeric.id, seq: 3, value: { kind: 'numeric', value: 41 } })).toMatchObject({ ok: true });
  expect(await rawEmit(v.socket, EVENTS.activity, { attemptId: v.attemptId, kind: 'focus_lost' })).toMatchObject({ ok: true });
  await waitFor(async () => (await env.sql.unsafe('SELECT 1 FROM answers WHERE attempt_id = $1', [v.attemptId])).length > 0, 10_000, 'victim answer committed');
  await waitFor(async () => (await env.sql.unsafe('SELECT 1 FROM alerts WHERE attempt_id = $1', [v.attemptId])).length > 0, 10_000, 'victim alert opened');
  return { id: candidateId, attemptId: v.attemptId, before: await attemptState(env.sql, v.attemptId) };
}

beforeAll(async () => {
  env = await createTestEnv();
  await importExamDefinition(env.sql, OTHER_EXAM);
  await seedDemo(env.sql, { sittingId: 'elsewhere', candidates: 20 });
  node = await opened.node(env.config);
  victims = [
    await preparedVictim(env.seeded.candidateIds[1]!, env.seeded.sittingId),
    await preparedVictim(env.seeded.candidateIds[2]!, 'elsewhere'),
  ];
  attacker = await joinedCandidate(opened, node.port, env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId);
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const send = async (event: string, payload: unknown): Promise<ProtocolError> => refusal(await rawEmit(attacker.socket, event, payload));

/** Sends the same frame with each id; every answer must be the given code and read the same. */
async function sameRefusal(code: ProtocolError['code'], ids: string[], frame: (id: string) => [string, unknown]) {
  const errors = [];
  for (const id of ids) {
    const [event, payload] = frame(id);
    const error = await send(event, payload);
    expect(error, `${event} with ${id}`).toMatchObject({ code, retryable: false });
    errors.push(withoutIds(error, id));
  }
  for (const error of errors.slice(1)) expect(error).toEqual(errors[0]);
}

describe('IDOR on every candidate event', () => {
  const foreignAttempts = () => [victims[0]!.attemptId, victims[1]!.attemptId, randomUUID()];
  const ownNumeric = () => attacker.reply.paper!.questions.find((q) => q.type === 'numeric')!.id;
  const ownSingle = () => attacker.reply.paper!.questions.find((q) => q.type === 'single')!.id;

  it(`${EVENTS.answerSave}: another candidate's attempt, another sitting's, or none at all read the same`, async () => {
    await sameRefusal('ATTEMPT_FORBIDDEN', foreignAttempts(), (id) => [EVENTS.answerSave, { attemptId: id, questionId: ownNumeric(), seq: 99, value: { kind: 'numeric', value: 1 } }]);
    // the victim's own question id, inside the attacker's frame, is no way in either
    await sameRefusal('ATTEMPT_FORBIDDEN', foreignAttempts(), (id) => [EVENTS.answerSave, { attemptId: id, questionId: 'q01', seq: 99, value: null }]);
  });

  it(`${EVENTS.answerSave}: a question or option of another paper reads like one that exists nowhere`, async () => {
    await sameRefusal('QUESTION_UNKNOWN', ['zz-02', 'no-such-question'], (id) => [EVENTS.answerSave, { attemptId: attacker.attemptId, questionId: id, seq: 5, value: { kind: 'numeric', value: 7 } }]);
    await sameRefusal('OPTION_UNKNOWN', ['zz-01-a', 'no-such-option'], (id) => [EVENTS.answerSave, { attemptId: attacker.attemptId, questionId: ownSingle(), seq: 5, value: { kind: 'choice', optionIds: [id] } }]);
  });

  it(`${EVENTS.activity}: foreign attempts and foreign questions are refused the same way`, async () => {
    for (const kind of ['focus_lost', 'fullscreen_exit', 'navigate'] as const) {
      await sameRefusal('ATTEMPT_FORBIDDEN', foreignAttempts(), (id) => [EVENTS.activity, { attemptId: id, kind, questionId: 'q01' }]);
    }
    await sameRefusal('QUESTION_UNKNOWN', ['zz-01', 'no-such-question'], (id) => [EVENTS.activity, { attemptId: attacker.attemptId, kind: 'navigate', questionId: id }]);
  });

  it(`${EVENTS.submit}: another attempt cannot be handed in, nor foreign questions slipped into one's own`, async () => {
    await sameRefusal('ATTEMPT_FORBIDDEN', foreignAttempts(), (id) => [EVENTS.submit, { attemptId: id, answers: [] }]);
    await sameRefusal('QUESTION_UNKNOWN', ['zz-02', 'no-such-question'], (id) => [EVENTS.submit, { attemptId: attacker.attemptId, answers: [{ questionId: id, seq: 1, value: { kind: 'numeric', value: 7 } }] }]);
    // the refused submit changed nothing: the attacker's own attempt is still open
    const [own] = await env.sql.unsafe('SELECT status FROM attempts WHERE id = $1', [attacker.attemptId]);
    expect(own!.status).toBe('in_progress');
  });

  it(`${EVENTS.join} and ${EVENTS.timeSync}: ids smuggled into frames that take none are ignored`, async () => {
    const join = await rawEmit<JoinReply>(attacker.socket, EVENTS.join, { protocolVersion: PROTOCOL_VERSION, attemptId: victims[0]!.attemptId, candidateId: victims[0]!.id, sittingId: 'elsewhere' });
    expect(join).toMatchObject({ ok: true, data: { attemptId: attacker.attemptId } });
    const sync = await rawEmit(attacker.socket, EVENTS.timeSync, { clientSentAt: 1, attemptId: victims[0]!.attemptId });
    expect(sync).toMatchObject({ ok: true, data: { clientSentAt: 1 } });
    expect(Object.keys(sync.ok ? (sync.data as object) : {}).sort()).toEqual(['clientSentAt', 'serverTime']);
  });

  it('covers every event the /candidate namespace handles: any other event name is UNKNOWN_EVENT', async () => {
    const others = Object.values(EVENTS).filter((e) => !(CANDIDATE_EVENTS as readonly string[]).includes(e));
    for (const event of others) expect(await send(event, { attemptId: victims[0]!.attemptId }), event).toMatchObject({ code: 'UNKNOWN_EVENT' });
  });

  it("leaves every victim's attempt, answers, answer history, alerts and audit trail as they were", async () => {
    // what the gateway did accept from the attacker has reached Postgres by now (its own answers)
    for (const v of victims) expect(await attemptState(env.sql, v.attemptId)).toEqual(v.before);
  });

  it('audits the foreign-attempt refusals once for the attacker, not once per frame', async () => {
    const row = await auditRow(env, 'security.attempt_forbidden', `candidate:${env.seeded.candidateIds[0]}`);
    expect(row).toMatchObject({ sitting_id: env.seeded.sittingId, attempt_id: attacker.attemptId, details: { event: EVENTS.answerSave } });
    expect(await auditRows(env.sql, 'security.attempt_forbidden')).toHaveLength(1);
  });
});
