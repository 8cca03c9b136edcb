import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type ActionReply, type ActionTarget, type ProctorAction, type ProctorMessage, type ProtocolError, type RosterSnapshot } from '@examhall/shared';
import { seedDemo } from '../../src/exam/seed.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import type { TestNode } from '../helpers/node.js';
import { rawEmit } from '../helpers/raw-client.js';
import { Opened, attemptState, auditRow, joinedCandidate, refusal, seatsOf, watchingProctor, withoutIds, type Seat } from './helpers.js';

/**
 * Proctor scope, table-style over EVERY proctor action through the real /proctor socket: a center
 * proctor on another center, a district proctor outside its district, ids that exist nowhere, and
 * non-administrators acting on the whole sitting are refused as a whole, with a code that does not
 * tell an unknown candidate from one sitting elsewhere; nothing changes in Postgres, and the
 * refusal is audited. (proctor-actions.test.ts covers what the allowed actions do.)
 */
const KINDS = ['extend', 'pause', 'resume', 'lock', 'unlock', 'terminate', 'message', 'compensate', 'dismiss_alert'] as const;
type Kind = (typeof KINDS)[number];

let env: TestEnv;
let node: TestNode;
const opened = new Opened();
let mine: Seat;
let neighbour: Seat;
let other: Seat;
let victimAlertId: number;
let victimMessages: ProctorMessage[];
const attempts = new Map<string, string>();
const before = new Map<string, unknown>();

function action(kind: Kind, target: ActionTarget): ProctorAction {
  const reason = 'security test';
  switch (kind) {
    case 'extend':
      return { kind, target, seconds: 600, reason };
    case 'message':
      return { kind, target, text: 'the answers are on the back wall' };
    case 'compensate':
      return { kind, target, from: Date.now() - 3_600_000, to: Date.now(), reason };
    case 'dismiss_alert':
      return { kind, target, alertIds: [victimAlertId], reason };
    default:
      return { kind, target, reason };
  }
}

beforeAll(async () => {
  env = await createTestEnv();
  await seedDemo(env.sql, { sittingId: 'elsewhere', candidates: 20 });
  node = await opened.node(env.config, 'all', { PROCTOR_FEED_INTERVAL_MS: 50 });
  const seats = await seatsOf(env.sql, env.seeded.sittingId);
  mine = seats[0]!;
  other = seats.find((s) => s.district !== mine.district)!;
  neighbour = seats.find((s) => s.district === mine.district && s.center !== mine.center) ?? seats.find((s) => s.id !== mine.id && s.center === mine.center)!;
  for (const seat of [mine, neighbour, other]) {
    const c = await joinedCandidate(opened, node.port, env.config, seat.id, env.seeded.sittingId);
    attempts.set(seat.id, c.attemptId);
    if (seat === other) {
      victimMessages = [];
      c.socket.on(EVENTS.proctorMessage, (m: ProctorMessage) => victimMessages.push(m));
      expect(await rawEmit(c.socket, EVENTS.activity, { attemptId: c.attemptId, kind: 'focus_lost' })).toMatchObject({ ok: true });
      const [alert] = await waitFor(async () => {
        const rows = await env.sql.unsafe<{ id: string }[]>('SELECT id FROM alerts WHERE attempt_id = $1', [c.attemptId]);
        return rows.length ? rows : undefined;
      }, 10_000, 'the victim alert');
      victimAlertId = Number(alert!.id);
    }
  }
  for (const [id, attemptId] of attempts) before.set(id, await attemptState(env.sql, attemptId));
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const connectProctor = (id: string, scope: { role: 'proctor' | 'admin'; centers?: string[]; districts?: string[]; sittingId?: string }) =>
  watchingProctor(opened, node.port, env.config, id, { sittingId: scope.sittingId ?? env.seeded.sittingId, role: scope.role, centers: scope.centers ?? [], districts: scope.districts ?? [] });

const act = async (socket: Socket, a: ProctorAction): Promise<ProtocolError> => refusal(await rawEmit(socket, EVENTS.proctorAction, a));

async function expectSameRefusal(socket: Socket, kind: Kind, code: ProtocolError['code'], targets: [ActionTarget, string][]) {
  const errors: ProtocolError[] = [];
  for (const [target, id] of targets) {
    const error = await act(socket, action(kind, target));
    expect(error, `${kind} on ${JSON.stringify(target)}`).toMatchObject({ code, retryable: false });
    errors.push(withoutIds(error, id));
  }
  for (const error of errors.slice(1)) expect(error).toEqual(errors[0]);
}

describe('proctor scope over every action', () => {
  let centerProctor: Socket;
  let districtProctor: Socket;
  beforeAll(async () => {
    centerProctor = await connectProctor('p-center', { role: 'proctor', centers: [mine.center] });
    districtProctor = await connectProctor('p-district', { role: 'proctor', districts: [mine.district] });
  });

  it.each(KINDS)('%s: a center proctor on another center, even listed with its own, or on nobody', async (kind) => {
    await expectSameRefusal(centerProctor, kind, 'SCOPE_FORBIDDEN', [
      [{ candidates: [other.id] }, other.id],
      [{ candidates: ['cand-999999'] }, 'cand-999999'],
      [{ candidates: [mine.id, other.id] }, other.id],
    ]);
    await expectSameRefusal(centerProctor, kind, 'SCOPE_FORBIDDEN', [
      [{ centers: [other.center] }, other.center],
      [{ centers: ['no-such-center'] }, 'no-such-center'],
    ]);
  });

  it.each(KINDS)('%s: a district proctor outside its district', async (kind) => {
    await expectSameRefusal(districtProctor, kind, 'SCOPE_FORBIDDEN', [
      [{ candidates: [other.id] }, other.id],
      [{ candidates: [neighbour.id, 'cand-999999'] }, 'cand-999999'],
    ]);
    await expectSameRefusal(districtProctor, kind, 'SCOPE_FORBIDDEN', [
      [{ centers: [other.center] }, other.center],
      [{ centers: ['no-such-center'] }, 'no-such-center'],
    ]);
  });

  it.each(KINDS)('%s: the whole sitting is for administrators only', async (kind) => {
    for (const socket of [centerProctor, districtProctor]) expect(await act(socket, action(kind, { sitting: true }))).toMatchObject({ code: 'ROLE_FORBIDDEN', retryable: false });
  });

  it('covers every event the /proctor namespace handles: any other event name is UNKNOWN_EVENT', async () => {
    const handled: string[] = [EVENTS.proctorWatch, EVENTS.proctorAction, EVENTS.timeSync];
    for (const event of Object.values(EVENTS).filter((e) => !handled.includes(e))) {
      expect(refusal(await rawEmit(centerProctor, event, { attemptId: attempts.get(other.id) })), event).toMatchObject({ code: 'UNKNOWN_EVENT' });
    }
    // time:sync takes no ids; ids smuggled into it change nothing (the Postgres check below)
    expect(await rawEmit(centerProctor, EVENTS.timeSync, { clientSentAt: 1, candidates: [other.id] })).toMatchObject({ ok: true });
  });

  it("an alert id of another candidate's attempt, sent with one's own candidate, closes nothing", async () => {
    const reply = await rawEmit<ActionReply>(centerProctor, EVENTS.proctorAction, action('dismiss_alert', { candidates: [mine.id] }));
    expect(reply).toMatchObject({ ok: true, data: { applied: 0 } });
    const [alert] = await env.sql.unsafe('SELECT closed_at FROM alerts WHERE id = $1', [victimAlertId]);
    expect(alert!.closed_at).toBeNull();
  });

  it("an administrator of another sitting reaches that sitting's rows only, never this one's", async () => {
    const foreignAdmin = await connectProctor('a-elsewhere', { role: 'admin', sittingId: 'elsewhere' });
    const watched = await rawEmit<RosterSnapshot>(foreignAdmin, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION, sittingId: env.seeded.sittingId });
    expect(watched.ok && watched.data.rows.every((r) => r.attemptId === null)).toBe(true); // nobody has joined 'elsewhere'
    for (const kind of KINDS) {
      const reply = await rawEmit<ActionReply>(foreignAdmin, EVENTS.proctorAction, action(kind, { candidates: [other.id, mine.id] }));
      expect(reply.ok, kind).toBe(true);
      if (reply.ok && kind !== 'dismiss_alert') expect(reply.data.outcomes.every((o) => !o.ok && o.error === 'ATTEMPT_NOT_STARTED'), kind).toBe(true);
    }
  });

  it('changed nothing in Postgres: attempts, answers, alerts and their audit trail are as they were', async () => {
    for (const [id, attemptId] of attempts) expect(await attemptState(env.sql, attemptId), id).toEqual(before.get(id));
    // the one action these proctors were allowed: the dismiss of a foreign alert id, which closed nothing
    const applied = await env.sql.unsafe<{ action: string; details: Record<string, unknown> }[]>(
      "SELECT action, details FROM audit_log WHERE action LIKE 'proctor.%' AND actor IN ('proctor:p-center', 'proctor:p-district') AND sitting_id = $1",
      [env.seeded.sittingId],
    );
    expect(applied).toEqual([{ action: 'proctor.dismiss_alert', details: expect.objectContaining({ closed: [], ignored: [victimAlertId] }) }]);
  });

  it('no refused message reached the candidate (a later allowed one does, and is the first)', async () => {
    const admin = await connectProctor('a-here', { role: 'admin' });
    const ok = await rawEmit<ActionReply>(admin, EVENTS.proctorAction, { kind: 'message', target: { candidates: [other.id] }, text: 'allowed' });
    expect(ok).toMatchObject({ ok: true, data: { applied: 1 } });
    await waitFor(() => victimMessages.length > 0, 10_000, 'the allowed message');
    expect(victimMessages.map((m) => m.text)).toEqual(['allowed']);
  });

  it('audits the refusals per proctor and kind (one row each, not one per frame)', async () => {
    for (const proctor of ['p-center', 'p-district']) {
      const scope = await auditRow(env, 'security.scope_forbidden', `proctor:${proctor}`);
      expect(scope).toMatchObject({ sitting_id: env.seeded.sittingId, details: { event: EVENTS.proctorAction, detail: expect.stringContaining('scope') } });
      await auditRow(env, 'security.role_forbidden', `proctor:${proctor}`);
    }
    const [rows] = await env.sql.unsafe("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'security.%'");
    expect(rows!.n).toBe(4);
  });
});
