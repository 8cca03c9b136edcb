import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { EVENTS, PROTOCOL_VERSION, type JoinReply, type PaperQuestion } from '@examhall/shared';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { tokenFor } from '../helpers/node.js';
import { connected, rawConnect, rawJoin } from '../helpers/raw-client.js';
import { answerValueFor, hostileValue, mutated, payloadArgs, rawPacket } from './arbitraries.js';
import { assertEveryFrameAcked, assertRawPacketsHarmless, assertUnackedFramesHarmless, framesOf, watchServerErrors } from './fuzz-harness.js';
import { FUZZ_RATE_LIMITS, spawnLogged, type LoggedProcess } from './logged-node.js';

/**
 * Frame fuzzing of the /candidate namespace against a real server process (role `all`): every
 * client → server event gets arbitrary payloads and mutations of valid ones. Every acked frame
 * gets a coded ack, unacked frames are harmless, the process stays up, keeps serving another
 * candidate, and never logs an unhandled rejection or an error. Seed: see arbitraries.ts (FC_SEED).
 */
let env: TestEnv;
let node: LoggedProcess;
const sockets: Socket[] = [];
let joined: { socket: Socket; reply: JoinReply };
let submitter: { socket: Socket; reply: JoinReply };
let unjoined: Socket;

const CANDIDATE_EVENTS = [EVENTS.join, EVENTS.answerSave, EVENTS.timeSync, EVENTS.submit, EVENTS.activity] as const;

async function open(n: number, join: boolean) {
  const socket = rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId));
  sockets.push(socket);
  watchers.push(watchServerErrors(socket));
  await connected(socket);
  return { socket, reply: join ? await rawJoin(socket) : (undefined as unknown as JoinReply) };
}
const watchers: ReturnType<typeof watchServerErrors>[] = [];

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 6 });
  node = await spawnLogged(env.config, 'all', FUZZ_RATE_LIMITS);
  joined = await open(0, true);
  submitter = await open(1, true);
  unjoined = (await open(2, false)).socket;
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.stop();
  await env?.cleanup();
});

/** Valid frames of each candidate event, built for the attempt they are sent on and checked against nothing: the server decides. */
function validFrames(reply: JoinReply) {
  const questions = reply.paper!.questions;
  const question = fc.constantFrom(...questions);
  const storedAnswer = question.chain((q: PaperQuestion) =>
    fc.record({ questionId: fc.constant(q.id), seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), value: answerValueFor(q) }),
  );
  return {
    [EVENTS.join]: fc.record({ protocolVersion: fc.constant<number>(PROTOCOL_VERSION) }),
    [EVENTS.answerSave]: storedAnswer.map((a) => ({ attemptId: reply.attemptId, ...a })),
    [EVENTS.timeSync]: fc.record({ clientSentAt: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(Date.now())) }),
    [EVENTS.submit]: fc.record({ attemptId: fc.constant(reply.attemptId), answers: fc.array(storedAnswer, { maxLength: 4 }) }),
    [EVENTS.activity]: fc.record(
      { attemptId: fc.constant(reply.attemptId), kind: fc.constantFrom('navigate', 'focus_lost', 'focus_back', 'fullscreen_exit', 'fullscreen_enter'), questionId: question.map((q) => q.id) },
      { requiredKeys: ['attemptId', 'kind'] },
    ),
  };
}

describe('fuzzing /candidate frames against a real server process', () => {
  // exam:submit ends the attempt, so it is fuzzed last and on its own candidate
  for (const event of CANDIDATE_EVENTS) {
    it(`${event}: arbitrary payloads get a coded ack`, async () => {
      const target = event === EVENTS.submit ? submitter.socket : joined.socket;
      await assertEveryFrameAcked(() => target, framesOf(event, payloadArgs(hostileValue)), 200);
    }, 60_000);

    it(`${event}: mutations of valid frames get a coded ack`, async () => {
      const target = event === EVENTS.submit ? submitter : joined;
      const valid = validFrames(target.reply)[event] as fc.Arbitrary<unknown>;
      await assertEveryFrameAcked(() => target.socket, framesOf(event, payloadArgs(mutated(valid))), 300);
    }, 60_000);
  }

  it('frames before exam:join get a coded ack', async () => {
    const valid = validFrames(joined.reply);
    const frames = fc
      .constantFrom(EVENTS.answerSave, EVENTS.submit, EVENTS.activity, EVENTS.timeSync)
      .chain((event) => framesOf(event, payloadArgs(mutated(valid[event] as fc.Arbitrary<unknown>))));
    await assertEveryFrameAcked(() => unjoined, frames, 60);
  }, 60_000);

  it('events the server does not handle (internal and reserved-looking names too) get UNKNOWN_EVENT', async () => {
    const names = fc.oneof(
      fc.constantFrom('internal:attempt-changed', 'internal:sitting-started', 'internal:session-replaced', 'internal:sessions-replaced', EVENTS.proctorAction, EVENTS.proctorWatch, EVENTS.answerCommitted, 'error', '__proto__', 'constructor', 'hasOwnProperty'),
      fc.string({ unit: 'binary', maxLength: 80 }).filter((n) => !(CANDIDATE_EVENTS as readonly string[]).includes(n)),
    );
    await assertEveryFrameAcked(() => joined.socket, framesOf(names, payloadArgs(hostileValue)), 100);
  }, 60_000);

  it('frames without an ack callback never break the socket', async () => {
    const before = watchers[0]!.count();
    const names = fc.oneof(fc.constantFrom(...CANDIDATE_EVENTS.filter((e) => e !== EVENTS.submit)), fc.string({ maxLength: 20 }));
    const valid = validFrames(joined.reply);
    const args = fc.oneof(payloadArgs(hostileValue), payloadArgs(mutated(valid[EVENTS.answerSave])));
    await assertUnackedFramesHarmless(() => joined.socket, framesOf(names, args), 150);
    expect(watchers[0]!.count()).toBeGreaterThan(before); // the server said why, with a coded server:error
  }, 60_000);

  it('raw packets a real client would never encode leave the connection usable or closed, never hanging', async () => {
    await assertRawPacketsHarmless(async () => (await open(3, true)).socket, rawPacket, 150);
  }, 90_000);

  it('afterwards the process is alive, serves another candidate end to end, and logged no unhandled error', async () => {
    const client = new ExamClient({ url: `http://127.0.0.1:${node.port}`, token: await tokenFor(env.config, env.seeded.candidateIds[5]!, env.seeded.sittingId), storage: new MemoryOutboxStorage() });
    try {
      await client.connect();
      const reply = await client.join();
      const q = reply.paper!.questions.find((x) => x.type === 'numeric')!;
      const { seq } = await client.saveAnswer(q.id, { kind: 'numeric', value: 42 });
      await client.waitUntilDrained(30_000);
      const [row] = await env.sql.unsafe<{ seq: number; value: unknown }[]>('SELECT seq, value FROM answers WHERE attempt_id = $1 AND question_id = $2', [reply.attemptId, q.id]);
      expect(row).toEqual({ seq, value: { kind: 'numeric', value: 42 } });
    } finally {
      await client.close();
    }
    expect(node.alive()).toBe(true);
    for (const w of watchers) expect(w.malformed).toEqual([]);
    expect(node.problems()).toEqual([]);
  }, 60_000);
});
