import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { EVENTS, PROTOCOL_VERSION } from '@examhall/shared';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, tokenFor } from '../helpers/node.js';
import { connected, rawConnect, rawJoin, rawProctor } from '../helpers/raw-client.js';
import { hostileValue, mutated, payloadArgs } from './arbitraries.js';
import { assertEveryFrameAcked, assertUnackedFramesHarmless, framesOf, watchServerErrors } from './fuzz-harness.js';
import { FUZZ_RATE_LIMITS, spawnLogged, type LoggedProcess } from './logged-node.js';

/**
 * Frame fuzzing of the /proctor namespace against a real server process, with a center proctor's
 * token: arbitrary payloads and mutations of valid actions (which really extend, pause, lock and
 * terminate the center's candidates). A candidate of another center is the control: still served
 * at the end. Seed: see arbitraries.ts (FC_SEED).
 */
let env: TestEnv;
let node: LoggedProcess;
const sockets: Socket[] = [];
let proctor: Socket;
let serverErrors: ReturnType<typeof watchServerErrors>;
let center: string;
let inCenter: string[];
let elsewhere: string;

const PROCTOR_EVENTS = [EVENTS.proctorWatch, EVENTS.proctorAction, EVENTS.timeSync] as const;

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 20 });
  const rows = await env.sql.unsafe<{ id: string; center_id: string }[]>('SELECT id, center_id FROM candidates ORDER BY id');
  const byCenter = new Map<string, string[]>();
  for (const r of rows) byCenter.set(r.center_id, [...(byCenter.get(r.center_id) ?? []), r.id]);
  [center, inCenter] = [...byCenter.entries()].sort((a, b) => b[1].length - a[1].length)[0]!;
  elsewhere = rows.find((r) => r.center_id !== center)!.id;
  node = await spawnLogged(env.config, 'all', FUZZ_RATE_LIMITS);
  // the center's candidates are in progress, so actions have something to act on
  for (const id of inCenter.slice(0, 3)) {
    const socket = rawConnect(node.port, await tokenFor(env.config, id, env.seeded.sittingId));
    sockets.push(socket);
    await connected(socket);
    await rawJoin(socket);
  }
  proctor = rawProctor(node.port, await proctorTokenFor(env.config, 'fuzz-proctor', { sittingId: env.seeded.sittingId, role: 'proctor', centers: [center], districts: [] }));
  sockets.push(proctor);
  serverErrors = watchServerErrors(proctor);
  await connected(proctor);
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.stop();
  await env?.cleanup();
});

const reason = fc.string({ minLength: 1, maxLength: 30 }).map((s) => `r ${s}`);
const epochMs = fc.integer({ min: Date.now() - 3_600_000, max: Date.now() + 3_600_000 });

function validAction() {
  const target = fc.oneof(
    fc.subarray(inCenter, { minLength: 1 }).map((candidates) => ({ candidates })),
    fc.constant({ centers: [center] }),
    fc.constant({ sitting: true as const }),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant('extend'), target, seconds: fc.integer({ min: 1, max: 24 * 3600 }), reason }),
    fc.record({ kind: fc.constantFrom('pause', 'resume', 'lock', 'unlock', 'terminate'), target, reason }),
    fc.record({ kind: fc.constant('message'), target, text: reason, reason }, { requiredKeys: ['kind', 'target', 'text'] }),
    fc.record({ kind: fc.constant('compensate'), target, from: epochMs, to: epochMs, reason }),
    fc.record({ kind: fc.constant('dismiss_alert'), target, alertIds: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }), reason }),
  );
}

const validFrames = {
  [EVENTS.proctorWatch]: fc.record({ protocolVersion: fc.constant<number>(PROTOCOL_VERSION) }),
  [EVENTS.proctorAction]: fc.constant(null).chain(() => validAction()),
  [EVENTS.timeSync]: fc.record({ clientSentAt: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
};

describe('fuzzing /proctor frames against a real server process', () => {
  for (const event of PROCTOR_EVENTS) {
    it(`${event}: arbitrary payloads get a coded ack`, async () => {
      await assertEveryFrameAcked(() => proctor, framesOf(event, payloadArgs(hostileValue)), 150);
    }, 60_000);

    it(`${event}: mutations of valid frames get a coded ack`, async () => {
      await assertEveryFrameAcked(() => proctor, framesOf(event, payloadArgs(mutated(validFrames[event] as fc.Arbitrary<unknown>))), 250);
    }, 90_000);
  }

  it('candidate events and unknown names on /proctor get UNKNOWN_EVENT', async () => {
    const names = fc.oneof(fc.constantFrom(EVENTS.join, EVENTS.answerSave, EVENTS.submit, EVENTS.activity, 'internal:attempt-changed'), fc.string({ maxLength: 40 }));
    await assertEveryFrameAcked(() => proctor, framesOf(names.filter((n) => !(PROCTOR_EVENTS as readonly string[]).includes(n)), payloadArgs(hostileValue)), 100);
  }, 60_000);

  it('frames without an ack callback never break the socket', async () => {
    const before = serverErrors.count();
    const args = fc.oneof(payloadArgs(hostileValue), payloadArgs(mutated(validFrames[EVENTS.proctorAction])));
    await assertUnackedFramesHarmless(() => proctor, framesOf(fc.oneof(fc.constantFrom(...PROCTOR_EVENTS), fc.string({ maxLength: 20 })), args), 150);
    expect(serverErrors.count()).toBeGreaterThan(before);
  }, 60_000);

  it('afterwards the process is alive, serves a candidate of another center end to end, and logged no unhandled error', async () => {
    const client = new ExamClient({ url: `http://127.0.0.1:${node.port}`, token: await tokenFor(env.config, elsewhere, env.seeded.sittingId), storage: new MemoryOutboxStorage() });
    try {
      await client.connect();
      const reply = await client.join();
      const q = reply.paper!.questions.find((x) => x.type === 'numeric')!;
      const { seq } = await client.saveAnswer(q.id, { kind: 'numeric', value: 7 });
      await client.waitUntilDrained(30_000);
      const [row] = await env.sql.unsafe<{ seq: number; value: unknown }[]>('SELECT seq, value FROM answers WHERE attempt_id = $1 AND question_id = $2', [reply.attemptId, q.id]);
      expect(row).toEqual({ seq, value: { kind: 'numeric', value: 7 } });
    } finally {
      await client.close();
    }
    expect(node.alive()).toBe(true);
    expect(serverErrors.malformed).toEqual([]);
    expect(node.problems()).toEqual([]);
  }, 60_000);
});
