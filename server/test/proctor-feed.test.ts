import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type ProctorDelta, type RosterPatch, type RosterSnapshot, type FeedEntry } from '@examhall/shared';
import { waitFor, type TestEnv } from './helpers/env.js';
import { startTwoGateways } from './helpers/two-gateways.js';
import { proctorTokenFor, tokenFor, type TestNode } from './helpers/node.js';
import { connectRefusal, connected, rawConnect, rawEmit, rawJoin, rawProctor } from './helpers/raw-client.js';

/**
 * The proctor feed end to end: real gateways (two, so deltas must cross the Redis adapter), a real
 * worker, Postgres and Redis. The proctor watches on gateway A; candidates connect to gateway B.
 */
let stack: Awaited<ReturnType<typeof startTwoGateways>>;
let env: TestEnv;
let nodeA: TestNode;
let nodeB: TestNode;
let centerOf: Map<string, string>;
const track = <T extends Socket>(s: T): T => stack.track(s);

beforeAll(async () => {
  stack = await startTwoGateways({ ALERT_DISCONNECTED_S: 1, ALERT_SWEEP_MS: 200, PROCTOR_FEED_INTERVAL_MS: 100 });
  ({ env, nodeA, nodeB, centerOf } = stack);
});
afterAll(async () => {
  await stack?.close();
});


async function watchAs(scope: { role: 'proctor' | 'admin'; centers?: string[]; districts?: string[] }, port = nodeA.port) {
  const token = await proctorTokenFor(env.config, 'p-test', { sittingId: env.seeded.sittingId, role: scope.role, centers: scope.centers ?? [], districts: scope.districts ?? [] });
  const socket = track(rawProctor(port, token));
  const deltas: ProctorDelta[] = [];
  socket.on(EVENTS.proctorDelta, (d: ProctorDelta) => deltas.push(d));
  await connected(socket);
  const ack = await rawEmit<RosterSnapshot>(socket, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION });
  if (!ack.ok) throw new Error(`watch refused: ${ack.error.code}`);
  const patches = (candidateId: string) => deltas.flatMap((d) => d.patches.filter((p) => p.candidateId === candidateId));
  const lines = (candidateId: string) => deltas.flatMap((d) => d.feed.filter((f) => f.candidateId === candidateId));
  const latest = (candidateId: string) => Object.assign({}, ...patches(candidateId)) as Partial<RosterPatch>;
  return { socket, snapshot: ack.data, deltas, patches, lines, latest };
}

async function candidateOn(port: number, candidateId: string) {
  const socket = track(rawConnect(port, await tokenFor(env.config, candidateId, env.seeded.sittingId)));
  await connected(socket);
  const reply = await rawJoin(socket);
  return { socket, reply };
}

describe('proctor namespace', () => {
  it('refuses a candidate token on /proctor and a proctor token on /candidate', async () => {
    const candidateToken = await tokenFor(env.config, 'cand-000001', env.seeded.sittingId);
    const refused = await connectRefusal(track(rawProctor(nodeA.port, candidateToken)));
    expect(refused.data?.code).toBe('AUTH_INVALID');
    const proctorToken = await proctorTokenFor(env.config, 'p1', { sittingId: env.seeded.sittingId, role: 'admin', centers: [], districts: [] });
    const refusedToo = await connectRefusal(track(rawConnect(nodeA.port, proctorToken)));
    expect(refusedToo.data?.code).toBe('AUTH_INVALID');
  });

  it("gives a center proctor a snapshot of its center only, and an admin the whole sitting", async () => {
    const center = centerOf.get('cand-000001')!;
    const proctor = await watchAs({ role: 'proctor', centers: [center] });
    const expected = [...centerOf].filter(([, c]) => c === center).map(([id]) => id).sort();
    expect(proctor.snapshot.rows.map((r) => r.candidateId).sort()).toEqual(expected);
    expect(proctor.snapshot.rows[0]).toMatchObject({ centerId: center, questionCount: 20, alerts: [] });
    const admin = await watchAs({ role: 'admin' });
    expect(admin.snapshot.rows).toHaveLength(centerOf.size);
    expect(admin.snapshot.sittingTitle).toBeTruthy();
  });

  it('shows a candidate on another gateway joining, saving, navigating, losing focus and leaving, live', async () => {
    const candidateId = 'cand-000002';
    const center = centerOf.get(candidateId)!;
    const proctor = await watchAs({ role: 'proctor', centers: [center] });
    const other = [...centerOf].find(([, c]) => c !== center)![0];

    const { socket, reply } = await candidateOn(nodeB.port, candidateId);
    await waitFor(() => proctor.latest(candidateId).online === true && proctor.latest(candidateId).status === 'in_progress', 5000, 'online patch');
    expect(proctor.latest(candidateId).attemptId).toBe(reply.attemptId);

    const question = reply.paper!.questions.find((q) => q.type === 'single')!;
    const saved = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: 1, value: { kind: 'choice', optionIds: [question.options![0]!.id] } });
    expect(saved.ok ? null : saved.error).toBeNull();
    const line = await waitFor(() => proctor.lines(candidateId).find((l: FeedEntry) => l.kind === 'saved'), 5000, 'saved line');
    expect(line.at).toBeLessThanOrEqual(Date.now());
    await waitFor(() => proctor.latest(candidateId).answered === 1, 5000, 'answered count');
    expect(proctor.latest(candidateId).lastSaveAt).toBeGreaterThan(0);

    expect((await rawEmit(socket, EVENTS.activity, { attemptId: reply.attemptId, kind: 'navigate', questionId: question.id })).ok).toBe(true);
    await waitFor(() => proctor.latest(candidateId).currentQuestion === question.id, 5000, 'current question');

    expect((await rawEmit(socket, EVENTS.activity, { attemptId: reply.attemptId, kind: 'focus_lost' })).ok).toBe(true);
    expect((await rawEmit(socket, EVENTS.activity, { attemptId: reply.attemptId, kind: 'focus_lost' })).ok).toBe(true);
    await waitFor(() => proctor.latest(candidateId).alerts?.some((a) => a.kind === 'focus_lost' && a.count === 2), 5000, 'focus alert counted twice');

    // an activity for someone else's attempt or an unknown question is refused with a code
    const foreign = await rawEmit(socket, EVENTS.activity, { attemptId: '00000000-0000-4000-8000-000000000000', kind: 'focus_lost' });
    expect(foreign.ok ? null : foreign.error.code).toBe('ATTEMPT_FORBIDDEN');
    const unknown = await rawEmit(socket, EVENTS.activity, { attemptId: reply.attemptId, kind: 'navigate', questionId: 'no-such-q' });
    expect(unknown.ok ? null : unknown.error.code).toBe('QUESTION_UNKNOWN');

    socket.disconnect();
    await waitFor(() => proctor.latest(candidateId).online === false, 5000, 'offline patch');
    // nothing about this center reached a proctor of another center
    const otherProctor = await watchAs({ role: 'proctor', centers: [centerOf.get(other)!] });
    expect(otherProctor.snapshot.rows.some((r) => r.candidateId === candidateId)).toBe(false);

    // the snapshot of a proctor arriving now reflects all of it (once the gateway wrote the disconnect, within its interval)
    const row = await waitFor(async () => {
      const later = await watchAs({ role: 'proctor', centers: [center] });
      const found = later.snapshot.rows.find((r) => r.candidateId === candidateId)!;
      // and the recent feed of its centers, newest first, so a reloaded dashboard is not blank
      const history = later.snapshot.feed.filter((l) => l.candidateId === candidateId).map((l) => l.kind);
      return found.online || !history.includes('saved') || history[0] !== 'disconnected' ? undefined : found;
    }, 5000, 'snapshot with the disconnect and the feed history');
    expect(row).toMatchObject({ online: false, answered: 1, currentQuestion: question.id, status: 'in_progress' });
    expect(row.alerts.map((a) => a.kind)).toContain('focus_lost');
  });

  it('opens a disconnected alert after the threshold and closes it when the candidate is back', async () => {
    const candidateId = 'cand-000003';
    const proctor = await watchAs({ role: 'admin' });
    const first = await candidateOn(nodeB.port, candidateId);
    first.socket.disconnect();
    await waitFor(() => proctor.latest(candidateId).alerts?.some((a) => a.kind === 'disconnected'), 15_000, 'disconnected alert');
    expect(proctor.lines(candidateId).some((l) => l.kind === 'alert')).toBe(true);
    await candidateOn(nodeA.port, candidateId);
    await waitFor(() => {
      const p = proctor.latest(candidateId);
      return p.online === true && p.alerts !== undefined && !p.alerts.some((a) => a.kind === 'disconnected');
    }, 15_000, 'alert closed on reconnect');
    // connect, disconnect, connect: all kept for outage compensation (written within the presence interval)
    await waitFor(async () => {
      const [counted] = await env.sql.unsafe<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM presence_events e JOIN attempts a ON a.id = e.attempt_id WHERE a.candidate_id = $1', [candidateId],
      );
      return counted!.count >= 3;
    }, 5000, 'three presence events');
  });

  it('raises a second-device alert when another device joins while the first is online', async () => {
    const candidateId = 'cand-000004';
    const proctor = await watchAs({ role: 'admin' });
    const first = await candidateOn(nodeA.port, candidateId);
    await waitFor(() => proctor.latest(candidateId).online === true, 5000, 'first device online');
    await new Promise((r) => setTimeout(r, 400)); // let the presence row be written
    const token = await tokenFor(env.config, candidateId, env.seeded.sittingId);
    const second = track(rawConnect(nodeB.port, token, { extraHeaders: { 'user-agent': 'another-device/1.0' } }));
    await connected(second);
    await rawJoin(second);
    await waitFor(() => proctor.latest(candidateId).alerts?.some((a) => a.kind === 'second_device'), 5000, 'second device alert');
    // the first device was replaced; the candidate is still online on the second
    await waitFor(() => first.socket.disconnected, 5000, 'first device closed');
    await new Promise((r) => setTimeout(r, 300));
    expect(proctor.latest(candidateId).online).toBe(true);
  });
});
