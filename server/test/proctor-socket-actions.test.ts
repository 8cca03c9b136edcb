import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type ActionReply, type AttemptUpdated, type JoinReply, type ProctorAction, type ProctorMessage } from '@examhall/shared';
import { waitFor, type TestEnv } from './helpers/env.js';
import { startTwoGateways } from './helpers/two-gateways.js';
import { proctorTokenFor, tokenFor, type TestNode } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin, rawProctor } from './helpers/raw-client.js';

/**
 * Proctor actions through the /proctor socket, seen by candidates' sockets on another gateway:
 * the action's effect on the gateway's in-memory checks is what these tests are about.
 */
let stack: Awaited<ReturnType<typeof startTwoGateways>>;
let env: TestEnv;
let nodeA: TestNode;
let nodeB: TestNode;
let centerOf: Map<string, string>;
const track = <T extends Socket>(s: T): T => stack.track(s);

beforeAll(async () => {
  stack = await startTwoGateways({ PROCTOR_FEED_INTERVAL_MS: 100 });
  ({ env, nodeA, nodeB, centerOf } = stack);
});
afterAll(async () => {
  await stack?.close();
});

async function proctorFor(candidateId: string) {
  const token = await proctorTokenFor(env.config, 'p-center', { sittingId: env.seeded.sittingId, role: 'proctor', centers: [centerOf.get(candidateId)!], districts: [] });
  const socket = rawProctor(nodeA.port, token);
  track(socket);
  await connected(socket);
  const watched = await rawEmit(socket, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION });
  expect(watched.ok).toBe(true);
  return {
    act: async (action: ProctorAction): Promise<ActionReply> => {
      const ack = await rawEmit<ActionReply>(socket, EVENTS.proctorAction, action);
      if (!ack.ok) throw Object.assign(new Error(ack.error.code), { code: ack.error.code });
      return ack.data;
    },
    raw: (action: unknown) => rawEmit<ActionReply>(socket, EVENTS.proctorAction, action),
  };
}

async function candidate(candidateId: string) {
  const socket = rawConnect(nodeB.port, await tokenFor(env.config, candidateId, env.seeded.sittingId));
  track(socket);
  const updates: AttemptUpdated[] = [];
  const messages: ProctorMessage[] = [];
  socket.on(EVENTS.attemptUpdated, (u: AttemptUpdated) => updates.push(u));
  socket.on(EVENTS.proctorMessage, (m: ProctorMessage) => messages.push(m));
  await connected(socket);
  const reply: JoinReply = await rawJoin(socket);
  const question = reply.paper!.questions.find((q) => q.type === 'numeric')!;
  let seq = 0;
  const save = () => rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: ++seq, value: { kind: 'numeric', value: seq } });
  return { socket, reply, updates, messages, save };
}

describe('proctor actions over the socket', () => {
  it('locks an attempt on another gateway (answers refused, retryable) and unlocks it', async () => {
    const c = await candidate('cand-000005');
    const proctor = await proctorFor('cand-000005');
    const locked = await proctor.act({ kind: 'lock', target: { candidates: ['cand-000005'] }, reason: 'phone on desk' });
    expect(locked).toMatchObject({ applied: 1, failed: 0 });
    await waitFor(() => c.updates.some((u) => u.reason === 'locked' && u.locked), 5000, 'locked notice');
    const refused = await c.save();
    expect(refused.ok ? null : refused.error).toMatchObject({ code: 'ATTEMPT_LOCKED', retryable: true });
    await proctor.act({ kind: 'unlock', target: { candidates: ['cand-000005'] }, reason: 'phone handed in' });
    await waitFor(() => c.updates.some((u) => u.reason === 'unlocked' && !u.locked), 5000, 'unlocked notice');
    await waitFor(async () => (await c.save()).ok, 5000, 'answers accepted again');
  });

  it('extends one candidate: the candidate is told the new deadline at once', async () => {
    const c = await candidate('cand-000006');
    const proctor = await proctorFor('cand-000006');
    await proctor.act({ kind: 'extend', target: { candidates: ['cand-000006'] }, seconds: 300, reason: 'late start' });
    const update = await waitFor(() => c.updates.find((u) => u.reason === 'extended'), 5000, 'extension notice');
    expect(update.deadline! - c.reply.deadline!).toBe(300_000);
  });

  it("messages a candidate's center; candidates elsewhere do not get it", async () => {
    const here = await candidate('cand-000007');
    const elsewhereId = [...centerOf].find(([, center]) => center !== centerOf.get('cand-000007'))![0];
    const elsewhere = await candidate(elsewhereId);
    const proctor = await proctorFor('cand-000007');
    await proctor.act({ kind: 'message', target: { centers: [centerOf.get('cand-000007')!] }, text: 'Ten minutes left' });
    const got = await waitFor(() => here.messages[0], 5000, 'center message');
    expect(got).toMatchObject({ text: 'Ten minutes left', audience: 'center' });
    await new Promise((r) => setTimeout(r, 300));
    expect(elsewhere.messages).toHaveLength(0);
  });

  it('refuses targets outside the scope and malformed actions with codes', async () => {
    const proctor = await proctorFor('cand-000008');
    const outsider = [...centerOf].find(([, center]) => center !== centerOf.get('cand-000008'))![0];
    const scoped = await proctor.raw({ kind: 'extend', target: { candidates: [outsider] }, seconds: 60, reason: 'x' });
    expect(scoped.ok ? null : scoped.error.code).toBe('SCOPE_FORBIDDEN');
    const sitting = await proctor.raw({ kind: 'pause', target: { sitting: true }, reason: 'x' });
    expect(sitting.ok ? null : sitting.error.code).toBe('ROLE_FORBIDDEN');
    const noReason = await proctor.raw({ kind: 'extend', target: { candidates: ['cand-000008'] }, seconds: 60 });
    expect(noReason.ok ? null : noReason.error.code).toBe('BAD_REQUEST');
    const bogus = await proctor.raw({ kind: 'delete_everything', target: { sitting: true } });
    expect(bogus.ok ? null : bogus.error.code).toBe('BAD_REQUEST');
  });

  it('terminates an attempt: the candidate is told, and a submit is refused', async () => {
    const c = await candidate('cand-000009');
    const proctor = await proctorFor('cand-000009');
    expect((await c.save()).ok).toBe(true);
    await proctor.act({ kind: 'terminate', target: { candidates: ['cand-000009'] }, reason: 'impersonation' });
    await waitFor(() => c.updates.some((u) => u.status === 'terminated'), 5000, 'terminated notice');
    const refused = await c.save();
    expect(refused.ok ? null : refused.error.code).toBe('ATTEMPT_CLOSED');
    const audit = await env.sql.unsafe<{ actor: string; action: string }[]>(
      "SELECT actor, action FROM audit_log WHERE attempt_id = $1 ORDER BY id", [c.reply.attemptId],
    );
    expect(audit.map((a) => a.actor)).toContain('proctor:p-center');
  });

  it('an incident pause of the sitting also holds candidates who start during it, until the resume', async () => {
    const token = await proctorTokenFor(env.config, 'admin-1', { sittingId: env.seeded.sittingId, role: 'admin', centers: [], districts: [] });
    const admin = rawProctor(nodeA.port, token);
    track(admin);
    await connected(admin);
    const paused = await rawEmit<ActionReply>(admin, EVENTS.proctorAction, { kind: 'pause', target: { sitting: true }, reason: 'fire alarm' });
    expect(paused.ok).toBe(true);
    const late = await candidate('cand-000010'); // first join, during the incident
    expect(late.reply).toMatchObject({ status: 'in_progress', paused: true });
    const refused = await late.save();
    expect(refused.ok ? null : refused.error.code).toBe('ATTEMPT_PAUSED');
    await new Promise((r) => setTimeout(r, 200));
    const resumed = await rawEmit<ActionReply>(admin, EVENTS.proctorAction, { kind: 'resume', target: { sitting: true }, reason: 'all clear' });
    expect(resumed.ok).toBe(true);
    const update = await waitFor(() => late.updates.find((u) => u.reason === 'resumed'), 5000, 'resumed notice');
    expect(update.deadline! - late.reply.deadline!).toBeLessThan(2000); // its clock never ran while paused
    await waitFor(async () => (await late.save()).ok, 5000, 'answers accepted after the resume');
    const [sitting] = await env.sql.unsafe<{ paused_at: Date | null }[]>('SELECT paused_at FROM sittings WHERE id = $1', [env.seeded.sittingId]);
    expect(sitting!.paused_at).toBeNull();
  });
});
