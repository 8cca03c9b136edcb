import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import type { Socket } from 'socket.io-client';
import { EVENTS, type ActionReply, type AttemptUpdated, type ProctorAction, type ProctorMessage } from '@examhall/shared';
import { createAttemptServices, type AttemptServices } from '../src/attempts/services.js';
import type { ProctorIdentity } from '../src/auth/tokens.js';
import { seedDemo } from '../src/exam/seed.js';
import { ProctorActions } from '../src/proctor/actions.js';
import { loadOpenAlerts } from '../src/proctor/alerts-store.js';
import { runQuery } from '../src/store/queries.js';
import { flushAnswers } from '../src/worker/flush.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';

const logger = pino({ level: 'silent' });
let env: TestEnv;
let services: AttemptServices;
let actions: ProctorActions;

beforeAll(async () => {
  env = await createTestEnv();
  services = createAttemptServices(env.config, env.sql, logger);
  actions = new ProctorActions({ sql: env.sql, services, logger });
});
afterAll(async () => {
  await services?.close();
  await env?.cleanup();
});

interface Seat { id: string; center: string; district: string }

async function seatsOf(sittingId: string): Promise<Seat[]> {
  return env.sql.unsafe<Seat[]>(
    `SELECT c.id, c.center_id AS center, ce.district_id AS district
     FROM sitting_candidates sc JOIN candidates c ON c.id = sc.candidate_id JOIN centers ce ON ce.id = c.center_id
     WHERE sc.sitting_id = $1 ORDER BY c.id`,
    [sittingId],
  );
}

async function startAttempt(sittingId: string, candidateId: string, startedAt = new Date()): Promise<string> {
  const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'start-attempt', [sittingId, candidateId, 'test', 'in_progress', startedAt]);
  return row!.attempt_id;
}

interface AttemptRow { status: string; deadline_at: Date; paused_at: Date | null; paused_ms: number; extension_s: number; locked_at: Date | null; score: string | null }

async function attempt(id: string): Promise<AttemptRow> {
  const [row] = await env.sql.unsafe<AttemptRow[]>(
    'SELECT status, deadline_at, paused_at, paused_ms::bigint AS paused_ms, extension_s, locked_at, score FROM attempts WHERE id = $1',
    [id],
  );
  return row!;
}

const admin = (sittingId: string): ProctorIdentity => ({ proctorId: 'a1', scope: { sittingId, role: 'admin', districts: [], centers: [] } });
const centerProctor = (sittingId: string, center: string): ProctorIdentity => ({ proctorId: 'p1', scope: { sittingId, role: 'proctor', districts: [], centers: [center] } });
const districtProctor = (sittingId: string, district: string): ProctorIdentity => ({ proctorId: 'd1', scope: { sittingId, role: 'proctor', districts: [district], centers: [] } });
const outcomeOf = (reply: ActionReply, candidateId: string) => reply.outcomes.find((o) => o.candidateId === candidateId);
const auditRows = (sittingId: string, action: string) =>
  env.sql.unsafe<{ actor: string; attempt_id: string | null; sitting_id: string; details: Record<string, unknown>; at: Date }[]>(
    'SELECT actor, attempt_id, sitting_id, details, at FROM audit_log WHERE sitting_id = $1 AND action = $2 ORDER BY id',
    [sittingId, action],
  );

describe('scope', () => {
  const S = 'scope';
  let seats: Seat[];
  let mine: Seat;
  let other: Seat;
  let neighbour: Seat;
  beforeAll(async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: 20 });
    seats = await seatsOf(S);
    mine = seats[0]!;
    other = seats.find((s) => s.district !== mine.district)!;
    neighbour = seats.find((s) => s.district === mine.district && s.center !== mine.center) ?? seats.find((s) => s.id !== mine.id && s.center === mine.center)!;
    for (const s of [mine, other, neighbour]) await startAttempt(S, s.id);
  });

  it("a center proctor cannot act on another center's candidate, even listed with its own", async () => {
    const p = centerProctor(S, mine.center);
    const extend = (candidates: string[]): ProctorAction => ({ kind: 'extend', target: { candidates }, seconds: 60, reason: 'test' });
    await expect(actions.run(p, extend([other.id]))).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    await expect(actions.run(p, extend([mine.id, other.id]))).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN', message: expect.stringContaining(other.id) });
    // a candidate who is not enrolled reads exactly like one in another center
    await expect(actions.run(p, extend(['cand-999999']))).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    await expect(actions.run(admin(S), extend(['cand-999999']))).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    const [row] = await env.sql.unsafe('SELECT extension_s FROM attempts WHERE sitting_id = $1 AND candidate_id = $2', [S, mine.id]);
    expect(row!.extension_s).toBe(0); // nothing applied to the candidate in scope either
    const ok = await actions.run(p, extend([mine.id]));
    expect(ok).toMatchObject({ kind: 'extend', applied: 1, failed: 0, outcomes: [{ candidateId: mine.id, ok: true }] });
  });

  it('a center proctor may target its own center only', async () => {
    const p = centerProctor(S, mine.center);
    const otherCenter = seats.find((s) => s.center !== mine.center)!.center;
    await expect(actions.run(p, { kind: 'pause', target: { centers: [otherCenter] }, reason: 'x' })).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    await expect(actions.run(p, { kind: 'pause', target: { centers: [mine.center, 'no-such-center'] }, reason: 'x' })).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    const reply = await actions.run(p, { kind: 'message', target: { centers: [mine.center] }, text: 'ten minutes left' });
    const inCenter = seats.filter((s) => s.center === mine.center);
    expect(reply.outcomes.map((o) => o.candidateId)).toEqual(inCenter.map((s) => s.id));
    expect(outcomeOf(reply, mine.id)).toMatchObject({ ok: true });
  });

  it('a district proctor covers every center of its district', async () => {
    const p = districtProctor(S, mine.district);
    const reply = await actions.run(p, { kind: 'extend', target: { candidates: [mine.id, neighbour.id] }, seconds: 30, reason: 'noise' });
    expect(reply.applied).toBe(2);
    await expect(actions.run(p, { kind: 'extend', target: { candidates: [other.id] }, seconds: 30, reason: 'x' })).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
  });

  it('only an administrator may target the whole sitting, for every kind of action', async () => {
    const p = districtProctor(S, mine.district);
    for (const action of [
      { kind: 'pause', target: { sitting: true }, reason: 'fire alarm' },
      { kind: 'resume', target: { sitting: true }, reason: 'fire alarm' },
      { kind: 'message', target: { sitting: true }, text: 'hello' },
      { kind: 'extend', target: { sitting: true }, seconds: 60, reason: 'x' },
    ] as ProctorAction[]) {
      await expect(actions.run(p, action)).rejects.toMatchObject({ code: 'ROLE_FORBIDDEN' });
    }
    const reply = await actions.run(admin(S), { kind: 'message', target: { sitting: true }, text: 'hello all' });
    expect(reply.outcomes).toHaveLength(20);
    expect(reply.applied).toBe(3);
    expect(reply.outcomes.filter((o) => !o.ok).every((o) => o.error === 'ATTEMPT_NOT_STARTED')).toBe(true);
  });

  it('refuses a malformed action as a whole', async () => {
    const p = centerProctor(S, mine.center);
    await expect(actions.run(p, { kind: 'extend', target: { candidates: [mine.id] }, seconds: 60 } as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(actions.run(p, { kind: 'compensate', target: { candidates: [mine.id] }, from: 2000, to: 1000, reason: 'x' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('timing, lock and terminate', () => {
  const S = 'timing';
  let seats: Seat[];
  const ids = new Map<string, string>();
  beforeAll(async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: 20 });
    seats = await seatsOf(S);
    for (const s of seats.slice(0, 8)) ids.set(s.id, await startAttempt(S, s.id));
  });
  const cand = (i: number) => seats[i]!.id;
  const att = (i: number) => ids.get(cand(i))!;

  it('extend moves deadline_at by exactly the seconds, audited with who, why and the action', async () => {
    const before = await attempt(att(0));
    const reply = await actions.run(admin(S), { kind: 'extend', target: { candidates: [cand(0), cand(15)] }, seconds: 300, reason: 'power cut' });
    expect(outcomeOf(reply, cand(0))).toEqual({ candidateId: cand(0), ok: true });
    expect(outcomeOf(reply, cand(15))).toMatchObject({ ok: false, error: 'ATTEMPT_NOT_STARTED' });
    expect(reply).toMatchObject({ applied: 1, failed: 1 });
    const after = await attempt(att(0));
    expect(after.deadline_at.getTime() - before.deadline_at.getTime()).toBe(300_000);
    const [row] = await env.sql.unsafe("SELECT actor, sitting_id, details FROM audit_log WHERE attempt_id = $1 AND action = 'attempt.extended'", [att(0)]);
    expect(row).toMatchObject({ actor: 'proctor:a1', sitting_id: S, details: { seconds: 300, reason: 'power cut', action: 'proctor.extend' } });
    const [summary] = await auditRows(S, 'proctor.extend');
    expect(summary).toMatchObject({ actor: 'proctor:a1', attempt_id: null, sitting_id: S, details: { reason: 'power cut', applied: 1, failed: 1, target: { candidates: [cand(0), cand(15)] } } });
  });

  it('pause then resume moves the deadline by the time paused', async () => {
    const before = await attempt(att(1));
    const p = centerProctor(S, seats[1]!.center);
    const paused = await actions.run(p, { kind: 'pause', target: { candidates: [cand(1)] }, reason: 'toilet break' });
    expect(paused.applied).toBe(1);
    const during = await attempt(att(1));
    expect(during.paused_at).not.toBeNull();
    expect(during.deadline_at.getTime()).toBe(before.deadline_at.getTime());
    await new Promise((r) => setTimeout(r, 300));
    await actions.run(p, { kind: 'resume', target: { candidates: [cand(1)] }, reason: 'back' });
    const after = await attempt(att(1));
    expect(after.paused_at).toBeNull();
    const moved = after.deadline_at.getTime() - before.deadline_at.getTime();
    expect(moved).toBe(Number(after.paused_ms));
    expect(Math.abs(moved - 300)).toBeLessThanOrEqual(50);
    const rows = await env.sql.unsafe("SELECT action, actor, details FROM audit_log WHERE attempt_id = $1 AND action LIKE 'attempt.%' ORDER BY id", [att(1)]);
    expect(rows.map((r) => r.action)).toEqual(['attempt.started', 'attempt.paused', 'attempt.resumed']);
    expect(rows[1]).toMatchObject({ actor: 'proctor:p1', details: { reason: 'toilet break', action: 'proctor.pause' } });
  });

  it('lock sets locked_at and unlock clears it; the clock keeps running', async () => {
    const before = await attempt(att(2));
    const reply = await actions.run(admin(S), { kind: 'lock', target: { candidates: [cand(2)] }, reason: 'phone on desk' });
    expect(reply.applied).toBe(1);
    const locked = await attempt(att(2));
    expect(locked.locked_at).not.toBeNull();
    expect(locked.paused_at).toBeNull();
    expect(locked.deadline_at.getTime()).toBe(before.deadline_at.getTime());
    await actions.run(admin(S), { kind: 'unlock', target: { candidates: [cand(2)] }, reason: 'phone handed in' });
    expect((await attempt(att(2))).locked_at).toBeNull();
    const rows = await env.sql.unsafe("SELECT action, details FROM audit_log WHERE attempt_id = $1 AND action IN ('attempt.locked', 'attempt.unlocked') ORDER BY id", [att(2)]);
    expect(rows).toMatchObject([
      { action: 'attempt.locked', details: { reason: 'phone on desk', action: 'proctor.lock' } },
      { action: 'attempt.unlocked', details: { reason: 'phone handed in', action: 'proctor.unlock' } },
    ]);
  });

  it('terminate ends the attempt, scoring the answers already committed; then the attempt is closed to every action', async () => {
    await flushAnswers(env.sql, 'test', [{ a: att(3), q: 'q04', s: 1, v: { kind: 'numeric', value: 24 }, r: Date.now() }]);
    const reply = await actions.run(admin(S), { kind: 'terminate', target: { candidates: [cand(3)] }, reason: 'impersonation' });
    expect(reply.applied).toBe(1);
    const row = await attempt(att(3));
    expect(row.status).toBe('terminated');
    expect(Number(row.score)).toBe(1);
    const [audit] = await env.sql.unsafe("SELECT actor, details FROM audit_log WHERE attempt_id = $1 AND action = 'attempt.terminated'", [att(3)]);
    expect(audit).toMatchObject({ actor: 'proctor:a1', details: { reason: 'impersonation', action: 'proctor.terminate', score: 1 } });
    for (const kind of ['terminate', 'lock', 'pause'] as const) {
      const again = await actions.run(admin(S), { kind, target: { candidates: [cand(3)] }, reason: 'again' });
      expect(again).toMatchObject({ applied: 0, failed: 1, outcomes: [{ candidateId: cand(3), ok: false, error: 'ATTEMPT_CLOSED' }] });
    }
  });

  it("one attempt's failure does not stop the others", async () => {
    await env.sql.unsafe("UPDATE attempts SET status = 'submitted', submitted_at = now() WHERE id = $1", [att(4)]);
    const before = await attempt(att(5));
    const reply = await actions.run(admin(S), { kind: 'extend', target: { candidates: [cand(4), cand(5), cand(16)] }, seconds: 60, reason: 'x' });
    expect(reply).toMatchObject({ applied: 1, failed: 2 });
    expect(outcomeOf(reply, cand(4))).toMatchObject({ error: 'ATTEMPT_CLOSED' });
    expect(outcomeOf(reply, cand(16))).toMatchObject({ error: 'ATTEMPT_NOT_STARTED' });
    expect((await attempt(att(5))).deadline_at.getTime() - before.deadline_at.getTime()).toBe(60_000);
  });

  it('every action leaves a sitting-level audit row with actor, reason and sitting', async () => {
    const rows = await env.sql.unsafe<{ action: string; actor: string; reason: string | null; sitting_id: string }[]>(
      "SELECT action, actor, details->>'reason' AS reason, sitting_id FROM audit_log WHERE action LIKE 'proctor.%' AND sitting_id = $1",
      [S],
    );
    const kinds = new Set(rows.map((r) => r.action));
    for (const k of ['extend', 'pause', 'resume', 'lock', 'unlock', 'terminate']) expect(kinds).toContain(`proctor.${k}`);
    for (const r of rows) {
      expect(r.actor).toMatch(/^proctor:/);
      expect(r.reason).toBeTruthy();
    }
  });
});

describe('compensate', () => {
  const S = 'comp';
  let seats: Seat[];
  const ids = new Map<string, string>();
  const t0 = Date.now() - 120_000;
  const at = (s: number) => t0 + s * 1000;
  beforeAll(async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: 20 });
    seats = await seatsOf(S);
    for (const s of seats.slice(0, 6)) ids.set(s.id, await startAttempt(S, s.id, new Date(t0 - 200_000)));
    const events: [number, string, 'connect' | 'disconnect', number][] = [
      // candidate 0: several sessions; s2 replaced by s3, whose old socket closing at 41 is not an outage
      [0, 's1', 'connect', -150], [0, 's1', 'disconnect', 10], [0, 's2', 'connect', 25], [0, 's3', 'connect', 40],
      [0, 's2', 'disconnect', 41], [0, 's3', 'disconnect', 50], [0, 's3', 'connect', 53],
      // candidate 1: offline since before the interval and still offline
      [1, 'x', 'connect', -150], [1, 'x', 'disconnect', -50],
      // candidate 2: always online
      [2, 'y', 'connect', -150],
      // candidate 3: never connected (no events); candidate 4: 0.2 s blip
      [4, 'z', 'connect', -150], [4, 'z', 'disconnect', 20], [4, 'z', 'connect', 20.2],
    ];
    for (const [i, session, kind, s] of events) {
      await env.sql.unsafe("INSERT INTO presence_events (attempt_id, session_id, kind, at, gateway_id) VALUES ($1, $2, $3, $4, 'g1')", [ids.get(seats[i]!.id)!, session, kind, new Date(at(s))]);
    }
  });
  const cand = (i: number) => seats[i]!.id;
  const att = (i: number) => ids.get(cand(i))!;

  it('grants the time the server saw each candidate offline within the interval, in whole seconds', async () => {
    const before = await Promise.all([0, 1, 2, 3, 4].map((i) => attempt(att(i))));
    const reply = await actions.run(admin(S), {
      kind: 'compensate', target: { candidates: [0, 1, 2, 3, 4, 10].map(cand) }, from: at(5), to: at(60), reason: 'router failure',
    });
    expect(reply.outcomes).toEqual(
      [
        { candidateId: cand(0), ok: true, seconds: 18 }, // 10→25 and 50→53
        { candidateId: cand(1), ok: true, seconds: 55 }, // offline from before `from` until `to`
        { candidateId: cand(2), ok: true, seconds: 0 },
        { candidateId: cand(3), ok: true, seconds: 0 }, // never connected: not an outage the server saw
        { candidateId: cand(4), ok: true, seconds: 1 },
        { candidateId: cand(10), ok: false, error: 'ATTEMPT_NOT_STARTED' },
      ].sort((a, b) => a.candidateId.localeCompare(b.candidateId)),
    );
    const after = await Promise.all([0, 1, 2, 3, 4].map((i) => attempt(att(i))));
    expect(after.map((a, i) => (a.deadline_at.getTime() - before[i]!.deadline_at.getTime()) / 1000)).toEqual([18, 55, 0, 0, 1]);
    const [audit] = await env.sql.unsafe("SELECT actor, details FROM audit_log WHERE attempt_id = $1 AND action = 'attempt.extended'", [att(0)]);
    expect(audit).toMatchObject({ actor: 'proctor:a1', details: { seconds: 18, from: at(5), to: at(60), offlineMs: 18_000, reason: 'router failure', action: 'proctor.compensate' } });
  });

  it('clips the interval, also at now, and gives the same grants in bulk', async () => {
    const bulkActions = new ProctorActions({ sql: env.sql, services, logger, bulkFrom: 1 });
    const before = await attempt(att(0));
    const clipped = await bulkActions.run(admin(S), { kind: 'compensate', target: { candidates: [cand(0), cand(1)] }, from: at(30), to: at(52), reason: 'second outage' });
    expect(clipped.outcomes).toEqual(expect.arrayContaining([{ candidateId: cand(0), ok: true, seconds: 2 }, { candidateId: cand(1), ok: true, seconds: 22 }]));
    expect((await attempt(att(0))).deadline_at.getTime() - before.deadline_at.getTime()).toBe(2000);
    // `to` in the future counts only up to now: candidate 1 is still offline
    const [upToNow] = (await bulkActions.run(admin(S), { kind: 'compensate', target: { candidates: [cand(1)] }, from: Date.now() - 5000, to: Date.now() + 3_600_000, reason: 'still out' })).outcomes;
    expect(upToNow!.seconds).toBeGreaterThanOrEqual(5);
    expect(upToNow!.seconds).toBeLessThanOrEqual(6);
    const [row] = await env.sql.unsafe("SELECT details FROM audit_log WHERE attempt_id = $1 AND action = 'attempt.extended' ORDER BY id DESC LIMIT 1", [att(1)]);
    expect(row!.details).toMatchObject({ action: 'proctor.compensate', reason: 'still out' });
  });
});

describe('dismiss an alert', () => {
  const S = 'alerts';
  it("closes the targeted candidates' alerts only, and sends their remaining open alerts to proctors", async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: 20 });
    const seats = await seatsOf(S);
    const mine = seats[0]!;
    const other = seats.find((s) => s.center !== mine.center)!;
    const a = await startAttempt(S, mine.id);
    const b = await startAttempt(S, other.id);
    const open = async (attemptId: string, kind: string) =>
      (await env.sql.unsafe<{ id: number }[]>('INSERT INTO alerts (attempt_id, sitting_id, kind) VALUES ($1, $2, $3) RETURNING id', [attemptId, S, kind]))[0]!.id;
    const [a1, a2, b1] = [await open(a, 'focus_lost'), await open(a, 'idle'), await open(b, 'focus_lost')];
    const record = vi.spyOn(services.notifier.feed, 'record');
    try {
      const reply = await actions.run(centerProctor(S, mine.center), { kind: 'dismiss_alert', target: { candidates: [mine.id] }, alertIds: [a1, b1], reason: 'checked, fine' });
      expect(reply).toMatchObject({ applied: 1, failed: 0, outcomes: [{ candidateId: mine.id, ok: true }] });
      const rows = await env.sql.unsafe('SELECT id, closed_at, closed_by FROM alerts ORDER BY id');
      expect(rows.find((r) => r.id === a1)).toMatchObject({ closed_by: 'proctor:p1', closed_at: expect.any(Date) });
      expect(rows.find((r) => r.id === b1)).toMatchObject({ closed_by: null, closed_at: null });
      const patch = record.mock.calls.find(([attemptId, r]) => attemptId === a && r.patch?.alerts);
      expect(patch![1].patch!.alerts).toEqual([expect.objectContaining({ id: a2, kind: 'idle', count: 1, detail: null })]);
      expect(patch![1].line).toMatchObject({ kind: 'action', text: 'dismissed an alert by proctor p1: checked, fine' });
      expect((await loadOpenAlerts(env.sql, [a, b])).get(b)!.map((x) => x.id)).toEqual([b1]);
      const [audit] = await auditRows(S, 'proctor.dismiss_alert');
      expect(audit).toMatchObject({ actor: 'proctor:p1', details: { reason: 'checked, fine', closed: [{ alertId: a1, attemptId: a }], ignored: [b1] } });
    } finally {
      record.mockRestore();
    }
  });
});

describe('incident pause of a whole sitting', () => {
  const S = 'incident';
  const N = 2000;
  it('pauses every attempt in progress in one go, and resuming moves each deadline by its pause', async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: N + 10 });
    const startedAt = new Date(Date.now() - 60_000);
    await env.sql.unsafe(
      `INSERT INTO attempts (sitting_id, candidate_id, status, started_at, deadline_at)
       SELECT s.id, c.id, 'in_progress', $2, attempt_deadline($2, s.duration_s, s.closes_at, c.extra_time_s, c.extra_time_multiplier, 0, 0)
       FROM sittings s JOIN sitting_candidates sc ON sc.sitting_id = s.id JOIN candidates c ON c.id = sc.candidate_id
       WHERE s.id = $1 AND c.id <= $3`,
      [S, startedAt, `cand-${String(N).padStart(6, '0')}`],
    );
    const ids = (await env.sql.unsafe<{ id: string; candidate_id: string }[]>('SELECT id, candidate_id FROM attempts WHERE sitting_id = $1 ORDER BY candidate_id', [S]));
    expect(ids).toHaveLength(N);
    const [early, done] = [ids[0]!.id, ids[1]!.id];
    await services.timing.pause(early, { actor: 'test', reason: 'paused alone first' });
    await env.sql.unsafe("UPDATE attempts SET status = 'submitted', submitted_at = now() WHERE id = $1", [done]);
    await new Promise((r) => setTimeout(r, 100));
    const before = new Map((await env.sql.unsafe<{ id: string; deadline_at: Date; paused_at: Date | null }[]>('SELECT id, deadline_at, paused_at FROM attempts WHERE sitting_id = $1', [S])).map((r) => [r.id, r]));

    const t = Date.now();
    const paused = await actions.run(admin(S), { kind: 'pause', target: { sitting: true }, reason: 'fire alarm' });
    const pauseMs = Date.now() - t;
    expect(paused).toMatchObject({ kind: 'pause', applied: N - 1, failed: 10 + 1 });
    const states = await env.sql.unsafe<{ n: number; at: Date }[]>(
      "SELECT count(*)::int AS n, paused_at AS at FROM attempts WHERE sitting_id = $1 AND status = 'in_progress' GROUP BY paused_at ORDER BY n DESC",
      [S],
    );
    expect(states).toHaveLength(2); // one instant for all, and the one paused before
    expect(states[0]!.n).toBe(N - 2);
    expect((await attempt(early)).paused_at!.getTime()).toBe(before.get(early)!.paused_at!.getTime());
    expect((await attempt(done)).paused_at).toBeNull();
    const perAttempt = await env.sql.unsafe("SELECT count(*)::int AS n FROM audit_log WHERE sitting_id = $1 AND action = 'attempt.paused' AND actor = 'proctor:a1'", [S]);
    expect(perAttempt[0]!.n).toBe(N - 2); // the attempt paused before is unchanged
    expect(await auditRows(S, 'proctor.pause')).toMatchObject([{ actor: 'proctor:a1', attempt_id: null, details: { reason: 'fire alarm', bulk: true, applied: N - 1 } }]);

    await new Promise((r) => setTimeout(r, 300));
    const t2 = Date.now();
    const resumed = await actions.run(admin(S), { kind: 'resume', target: { sitting: true }, reason: 'all clear' });
    const resumeMs = Date.now() - t2;
    expect(resumed).toMatchObject({ applied: N - 1, failed: 11 });
    const after = await env.sql.unsafe<{ id: string; deadline_at: Date; paused_at: Date | null; paused_ms: number; status: string }[]>(
      'SELECT id, deadline_at, paused_at, paused_ms::bigint AS paused_ms, status FROM attempts WHERE sitting_id = $1', [S],
    );
    const pausedAt = states[0]!.at.getTime();
    for (const row of after) {
      if (row.id === done) {
        expect(row.deadline_at.getTime()).toBe(before.get(row.id)!.deadline_at.getTime());
        continue;
      }
      expect(row.paused_at).toBeNull();
      const moved = row.deadline_at.getTime() - before.get(row.id)!.deadline_at.getTime();
      expect(moved).toBe(Number(row.paused_ms));
      const expected = t2 - (row.id === early ? before.get(early)!.paused_at!.getTime() : pausedAt);
      expect(Math.abs(moved - expected)).toBeLessThanOrEqual(resumeMs + 50);
    }
    // the auto-submit jobs moved to the new deadlines
    const sample = after.find((r) => r.id === ids[5]!.id)!;
    expect(await services.scheduler.delayOf(sample.id, sample.deadline_at.getTime())).not.toBeNull();
    expect(pauseMs + resumeMs).toBeLessThan(10_000);
  });
});

describe('through a real gateway', () => {
  const S = 'msg';
  let node: Awaited<ReturnType<typeof startTestNode>>;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    await seedDemo(env.sql, { sittingId: S, candidates: 20 });
    node = await startTestNode(env.config);
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await node?.close();
  });

  it('to one candidate, to its center and to the sitting', async () => {
    const seats = await seatsOf(S);
    const [me, other] = [seats[0]!, seats.find((s) => s.center !== seats[0]!.center)!];
    const join = async (candidateId: string) => {
      const socket = rawConnect(node.port, await tokenFor(env.config, candidateId, S));
      sockets.push(socket);
      await connected(socket);
      await rawJoin(socket);
      const received: ProctorMessage[] = [];
      socket.on(EVENTS.proctorMessage, (m: ProctorMessage) => received.push(m));
      return received;
    };
    const [mine, theirs] = [await join(me.id), await join(other.id)];
    const nodeActions = new ProctorActions({ sql: env.sql, services: node.attempts, logger });
    const reply = await nodeActions.run(centerProctor(S, me.center), { kind: 'message', target: { candidates: [me.id] }, text: 'Please face the camera' });
    expect(reply).toMatchObject({ applied: 1, outcomes: [{ candidateId: me.id, ok: true }] });
    await nodeActions.run(centerProctor(S, me.center), { kind: 'message', target: { centers: [me.center] }, text: 'Ten minutes left here' });
    await nodeActions.run(admin(S), { kind: 'message', target: { sitting: true }, text: 'Ten minutes left everywhere', reason: 'schedule' });
    const until = Date.now() + 5000;
    while ((mine.length < 3 || theirs.length < 1) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect(mine.map((m) => [m.audience, m.text])).toEqual([
      ['candidate', 'Please face the camera'], ['center', 'Ten minutes left here'], ['sitting', 'Ten minutes left everywhere'],
    ]);
    expect(theirs.map((m) => m.audience)).toEqual(['sitting']);
    const [audit] = await auditRows(S, 'proctor.message');
    expect(audit).toMatchObject({ actor: 'proctor:p1', details: { text: 'Please face the camera', target: { candidates: [me.id] }, reason: null } });
  });

  it('a lock reaches the candidate and the gateway refuses answers until the unlock', async () => {
    const seats = await seatsOf(S);
    const me = seats[5]!;
    const socket = rawConnect(node.port, await tokenFor(env.config, me.id, S));
    sockets.push(socket);
    await connected(socket);
    const { attemptId } = await rawJoin(socket);
    const updates: AttemptUpdated[] = [];
    socket.on(EVENTS.attemptUpdated, (u: AttemptUpdated) => updates.push(u));
    const save = (seq: number) => rawEmit(socket, EVENTS.answerSave, { attemptId, questionId: 'q04', seq, value: { kind: 'numeric', value: 24 } });
    const nodeActions = new ProctorActions({ sql: env.sql, services: node.attempts, logger });
    await nodeActions.run(centerProctor(S, me.center), { kind: 'lock', target: { candidates: [me.id] }, reason: 'talking' });
    const until = Date.now() + 5000;
    while (updates.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(updates[0]).toMatchObject({ attemptId, status: 'in_progress', locked: true, paused: false, reason: 'locked' });
    expect(await save(1)).toMatchObject({ ok: false, error: { code: 'ATTEMPT_LOCKED' } });
    await nodeActions.run(centerProctor(S, me.center), { kind: 'unlock', target: { candidates: [me.id] }, reason: 'warned' });
    while (updates.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(updates[1]).toMatchObject({ locked: false, reason: 'unlocked' });
    expect(await save(2)).toMatchObject({ ok: true });
  });
});
