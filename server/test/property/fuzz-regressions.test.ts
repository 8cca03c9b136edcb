import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type JoinReply } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, startTestNode, tokenFor, type TestNode } from '../helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin, rawProctor } from '../helpers/raw-client.js';

/** Plain regression tests for what the frame fuzzing found (see candidate-frames and proctor-frames). */
let env: TestEnv;
let node: TestNode;
const sockets: Socket[] = [];

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 6 });
  node = await startTestNode(env.config);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.close();
  await env?.cleanup();
});

async function candidate(n: number): Promise<{ socket: Socket; reply: JoinReply }> {
  const socket = rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId));
  sockets.push(socket);
  await connected(socket);
  return { socket, reply: await rawJoin(socket) };
}

const questionOfType = (reply: JoinReply, type: string) => reply.paper!.questions.find((q) => q.type === type)!;

describe('acked frames with the wrong number of arguments', () => {
  // socket.io passes the ack after all the client's arguments: handlers that took the second
  // argument as the ack never answered a frame with no payload or with two
  it('get BAD_REQUEST instead of no ack at all (candidate and proctor)', async () => {
    const { socket } = await candidate(0);
    for (const args of [[], [{ clientSentAt: 1 }, 'extra'], [{ clientSentAt: 1 }, { clientSentAt: 2 }, 3]]) {
      const ack = await rawEmit(socket, EVENTS.timeSync, ...args);
      expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const ack = await rawEmit(socket, EVENTS.answerSave);
    expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });

    const proctor = rawProctor(node.port, await proctorTokenFor(env.config, 'p1', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] }));
    sockets.push(proctor);
    await connected(proctor);
    expect(await rawEmit(proctor, EVENTS.proctorWatch)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(proctor, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION }, 'x')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await rawEmit(proctor, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION })).toMatchObject({ ok: true });
  });
});

describe('answer text Postgres cannot store', () => {
  // NUL and lone surrogates were acked `queued`, then failed the worker's whole batch (other
  // candidates' answers included) on every retry: "invalid input syntax for type json"
  it('is refused at the gateway with BAD_REQUEST, and an answer sent alongside still commits', async () => {
    const poisoner = await candidate(1);
    const honest = await candidate(2);
    const text = questionOfType(poisoner.reply, 'text');
    const numeric = questionOfType(honest.reply, 'numeric');
    for (const bad of ['a\u0000b', 'x\ud800', '\udc00y']) {
      const [refused, accepted] = await Promise.all([
        rawEmit(poisoner.socket, EVENTS.answerSave, { attemptId: poisoner.reply.attemptId, questionId: text.id, seq: 1, value: { kind: 'text', text: bad } }),
        rawEmit(honest.socket, EVENTS.answerSave, { attemptId: honest.reply.attemptId, questionId: numeric.id, seq: 1, value: { kind: 'numeric', value: 7 } }),
      ]);
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
      expect(accepted).toMatchObject({ ok: true, data: { status: 'queued' } });
    }
    await waitFor(
      async () => (await env.sql.unsafe('SELECT 1 FROM answers WHERE attempt_id = $1 AND question_id = $2', [honest.reply.attemptId, numeric.id])).length === 1,
      20_000,
      'the honest answer to be committed',
    );
    // paired surrogates (emoji) are fine
    const emoji = await rawEmit(poisoner.socket, EVENTS.answerSave, { attemptId: poisoner.reply.attemptId, questionId: text.id, seq: 2, value: { kind: 'text', text: '\u{1F600} ok' } });
    expect(emoji).toMatchObject({ ok: true });
  });

  it('in a submit map is refused with BAD_REQUEST, not INTERNAL', async () => {
    const { socket, reply } = await candidate(3);
    const text = questionOfType(reply, 'text');
    const ack = await rawEmit(socket, EVENTS.submit, { attemptId: reply.attemptId, answers: [{ questionId: text.id, seq: 1, value: { kind: 'text', text: '\u0000' } }] });
    expect(ack).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});

describe('proctor text Postgres cannot store', () => {
  // a reason or message with NUL or a lone surrogate failed in the audit write: INTERNAL instead of a coded refusal
  it('is refused with BAD_REQUEST, and the same action with clean text applies', async () => {
    const { reply } = await candidate(4);
    const proctor = rawProctor(node.port, await proctorTokenFor(env.config, 'p2', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] }));
    sockets.push(proctor);
    await connected(proctor);
    const target = { candidates: [env.seeded.candidateIds[4]!] };
    for (const action of [
      { kind: 'extend', target, seconds: 60, reason: 'a\u0000b' },
      { kind: 'extend', target, seconds: 60, reason: 'late \ud800' },
      { kind: 'message', target, text: 'x\u0000y' },
      { kind: 'message', target, text: 'ok', reason: '\udc00' },
    ]) {
      expect(await rawEmit(proctor, EVENTS.proctorAction, action)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    const applied = await rawEmit(proctor, EVENTS.proctorAction, { kind: 'extend', target, seconds: 60, reason: 'late start \u{1F600}' });
    expect(applied).toMatchObject({ ok: true, data: { applied: 1 } });
    expect(reply.attemptId).toBeTruthy();
  });
});
