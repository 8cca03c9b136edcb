/**
 * An audited override of a live sitting's duration reaches the attempts already running: each
 * stored deadline is re-derived from the new timing (extensions kept), audited as attempt.retimed,
 * and the candidate's socket hears `attempt:updated` (reason `retimed`) with the new deadline, so the
 * clock on screen never disagrees with the server's. Through the real API and a real gateway.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EVENTS, type AttemptUpdated } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import { startTestNode, tokenFor, type TestNode } from './helpers/node.js';
import { connected, rawConnect, rawJoin } from './helpers/raw-client.js';

let env: TestEnv;
let api: TestApi;
let node: TestNode;
const sockets: ReturnType<typeof rawConnect>[] = [];

beforeAll(async () => {
  env = await createTestEnv({}, { durationMinutes: 90 });
  node = await startTestNode(env.config, 'all');
  api = await startTestApi(env);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await api?.close();
  await node?.close();
  await env?.cleanup();
});

async function joined(n: number) {
  const socket = rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId));
  sockets.push(socket);
  await connected(socket);
  return { socket, reply: await rawJoin(socket) };
}
const deadlineOf = async (attemptId: string) =>
  (await env.sql<{ deadline_at: Date }[]>`SELECT deadline_at FROM attempts WHERE id = ${attemptId}`)[0]!.deadline_at.getTime();

it('moves running deadlines with a new duration, keeps extensions, audits and tells the candidates', async () => {
  const a = await joined(0);
  const b = await joined(1);
  await node.attempts.timing.extend(b.reply.attemptId, 600, { actor: 'test', reason: 'accommodation' });
  const [beforeA, beforeB] = [await deadlineOf(a.reply.attemptId), await deadlineOf(b.reply.attemptId)];
  const heard = new Promise<AttemptUpdated>((resolve) => a.socket.on(EVENTS.attemptUpdated, (u: AttemptUpdated) => u.reason === 'retimed' && resolve(u)));

  const frozen = await api.call('PATCH', `/api/v1/sittings/${env.seeded.sittingId}`, { body: { durationMinutes: 60 } });
  expect(frozen.json().error.code).toBe('CHANGE_FROZEN');
  expect(await deadlineOf(a.reply.attemptId)).toBe(beforeA);

  const res = await api.call('PATCH', `/api/v1/sittings/${env.seeded.sittingId}`, { body: { durationMinutes: 60, override: { reason: 'board order 17' } } });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().retimedAttempts).toBe(2);
  // 30 minutes less for both; b keeps its 10-minute extension
  expect(await deadlineOf(a.reply.attemptId)).toBe(beforeA - 30 * 60_000);
  expect(await deadlineOf(b.reply.attemptId)).toBe(beforeB - 30 * 60_000);
  const update = await heard;
  expect(update).toMatchObject({ attemptId: a.reply.attemptId, reason: 'retimed', deadline: beforeA - 30 * 60_000 });
  const audit = await env.sql<{ actor: string; details: { reason: string } }[]>`
    SELECT actor, details FROM audit_log WHERE action = 'attempt.retimed' AND attempt_id = ${a.reply.attemptId}`;
  expect(audit).toEqual([expect.objectContaining({ actor: 'api:test-office', details: expect.objectContaining({ reason: 'board order 17' }) })]);

  // a title change moves nothing
  const retitled = await api.call('PATCH', `/api/v1/sittings/${env.seeded.sittingId}`, { body: { title: 'Renamed' } });
  expect(retitled.json().retimedAttempts).toBeUndefined();
});
