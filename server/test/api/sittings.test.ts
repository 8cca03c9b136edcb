/**
 * Scheduling sittings through the HTTP API, against real Postgres: create (with coded refusals),
 * list with counts, get, update before the window opens, enrol by batch, slot, center, district and
 * by list; and the change freeze as the API shows it (CHANGE_FROZEN per frozen field, titles free,
 * an override with a reason goes through and is audited).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAM } from '../../src/exam/demo-exam.js';
import { importExamDefinition } from '../../src/exam/import.js';
import { ROSTER_ALL_COLUMNS } from '../../src/roster/roster-csv.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

let env: TestEnv;
let api: TestApi;

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const sitting = (id: string, over: Record<string, unknown> = {}) => ({
  id, examId: DEMO_EXAM.id, examVersion: DEMO_EXAM.version, title: `Sitting ${id}`,
  opensAt: inMinutes(60), closesAt: inMinutes(300), durationMinutes: 90, graceSeconds: 30, startMode: 'on_join', slot: 'morning', ...over,
});
const auditRows = (sittingId: string) =>
  env.sql.unsafe<Array<{ actor: string; action: string; details: Record<string, any> }>>(
    "SELECT actor, action, details FROM audit_log WHERE sitting_id = $1 AND action LIKE 'sitting.%' ORDER BY id", [sittingId]);

beforeAll(async () => {
  env = await createTestEnv();
  api = await startTestApi(env);
  await importExamDefinition(env.sql, { ...DEMO_EXAM, version: DEMO_EXAM.version + 1 });
  // a roster with batches and slots: 12 candidates in 2 centers of 2 districts
  const lines = Array.from({ length: 12 }, (_, i) =>
    `sd-${i % 2},District ${i % 2},sc-${i % 2},Center ${i % 2},sk-${i},Teacher ${i},,B${i % 3},${['morning', 'afternoon', 'evening'][i % 4 === 3 ? 2 : i % 2]}`);
  const res = await api.call('POST', '/api/v1/roster', { body: `${ROSTER_ALL_COLUMNS.join(',')}\n${lines.join('\n')}\n`, contentType: 'text/csv' });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

describe('create, list, get', () => {
  it('creates a sitting, lists it with counts and gets it; the creation is audited with its values', async () => {
    const created = await api.call('POST', '/api/v1/sittings', { body: sitting('s-new') });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id: 's-new', examVersion: DEMO_EXAM.version, durationMinutes: 90, graceSeconds: 30, slot: 'morning', live: false, counts: { enrolled: 0, inLobby: 0, inProgress: 0, finished: 0 } });
    const list = (await api.call('GET', '/api/v1/sittings')).json().sittings;
    expect(list.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(['s-new', env.seeded.sittingId]));
    expect(list.find((s: { id: string }) => s.id === env.seeded.sittingId)).toMatchObject({ live: true, counts: { enrolled: 20 } });
    expect((await api.call('GET', '/api/v1/sittings?slot=morning')).json().sittings.map((s: { id: string }) => s.id)).toEqual(['s-new']);
    expect((await api.call('GET', '/api/v1/sittings/s-new')).json().title).toBe('Sitting s-new');
    expect((await api.call('GET', '/api/v1/sittings/nope')).json().error.code).toBe('NOT_FOUND');
    const [audit] = await auditRows('s-new');
    expect(audit).toMatchObject({ actor: 'api:test-office', action: 'sitting.created', details: { values: { exam_id: DEMO_EXAM.id, duration_s: 5400, slot: 'morning' } } });
  });

  it('refuses, with coded errors, an unknown exam version, a window that closes first, a duration longer than the window, a taken id and a bad slot', async () => {
    const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [sitting('s-bad', { examVersion: 99 }), 404, 'NOT_FOUND', /version 99 does not exist/],
      [sitting('s-bad', { closesAt: inMinutes(30) }), 400, 'BAD_REQUEST', /must be after opensAt/],
      [sitting('s-bad', { durationMinutes: 600 }), 400, 'BAD_REQUEST', /does not fit in the window of 240 minutes/],
      [sitting('s-bad', { opensAt: inMinutes(-120), closesAt: inMinutes(-10), durationMinutes: 60 }), 400, 'BAD_REQUEST', /already past/],
      [sitting('s-new'), 409, 'CONFLICT', /already exists/],
      [sitting('s-bad', { slot: 'noon' }), 400, 'BAD_REQUEST', /slot/],
      [sitting('s-bad', { opensAt: 'tomorrow' }), 400, 'BAD_REQUEST', /opensAt/],
    ];
    for (const [body, status, code, detail] of cases) {
      const res = await api.call('POST', '/api/v1/sittings', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.detail).toMatch(detail);
    }
    expect((await env.sql`SELECT count(*)::int AS n FROM sittings WHERE id = 's-bad'`)[0]!.n).toBe(0);
  });
});

describe('update before the window opens', () => {
  it('changes exam version, window, duration, grace and start mode freely, each change audited with old and new values', async () => {
    await api.call('POST', '/api/v1/sittings', { body: sitting('s-early') });
    const patch = { examVersion: DEMO_EXAM.version + 1, opensAt: inMinutes(120), closesAt: inMinutes(360), durationMinutes: 60, graceSeconds: 10, startMode: 'signal', slot: null };
    const res = await api.call('PATCH', '/api/v1/sittings/s-early', { body: patch });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ examVersion: DEMO_EXAM.version + 1, durationMinutes: 60, graceSeconds: 10, startMode: 'signal', slot: null });
    const [, updated] = await auditRows('s-early');
    expect(updated!.action).toBe('sitting.updated');
    expect(updated!.details.changes).toMatchObject({ exam_version: { old: DEMO_EXAM.version, new: DEMO_EXAM.version + 1 }, duration_s: { old: 5400, new: 3600 }, start_mode: { old: 'on_join', new: 'signal' }, slot: { old: 'morning', new: null } });
    expect(updated!.details.reason).toBeUndefined();
  });

  it('checks the merged schedule: a duration that no longer fits, a window turned around, an unknown sitting', async () => {
    expect((await api.call('PATCH', '/api/v1/sittings/s-early', { body: { closesAt: inMinutes(150) } })).json().error.detail).toMatch(/does not fit/);
    expect((await api.call('PATCH', '/api/v1/sittings/s-early', { body: { opensAt: inMinutes(400) } })).json().error.detail).toMatch(/must be after/);
    expect((await api.call('PATCH', '/api/v1/sittings/s-early', { body: { examId: 'no-such-exam' } })).statusCode).toBe(404);
    expect((await api.call('PATCH', '/api/v1/sittings/ghost', { body: { title: 'x' } })).json().error.code).toBe('NOT_FOUND');
  });
});

describe('enrolments', () => {
  const enrol = (body: unknown, id = 's-enrol') => api.call('POST', `/api/v1/sittings/${id}/enrolments`, { body });
  it('enrols by batch, then by slot, center, district and list; again is harmless; the counts follow', async () => {
    await api.call('POST', '/api/v1/sittings', { body: sitting('s-enrol') });
    // B0 = sk-0, sk-3, sk-6, sk-9
    expect((await enrol({ batch: 'B0' })).json()).toEqual({ matched: 4, enrolled: 4 });
    expect((await enrol({ batch: 'B0' })).json()).toEqual({ matched: 4, enrolled: 0 });
    // evening = sk-3, sk-7, sk-11; sk-3 is already in
    expect((await enrol({ slot: 'evening' })).json()).toEqual({ matched: 3, enrolled: 2 });
    // afternoon and batch B1 = odd i, i % 4 != 3, i % 3 == 1: sk-1
    expect((await enrol({ slot: 'afternoon', batch: 'B1' }, 's-new')).json()).toEqual({ matched: 1, enrolled: 1 });
    expect((await enrol({ center: 'sc-0', district: 'sd-0' }, 's-early')).json()).toEqual({ matched: 6, enrolled: 6 });
    expect((await enrol({ candidates: ['sk-1', 'sk-2', 'sk-2'] })).json()).toEqual({ matched: 2, enrolled: 2 });
    expect((await api.call('GET', '/api/v1/sittings/s-enrol')).json().counts.enrolled).toBe(8);
    const ids = await env.sql<Array<{ id: string }>>`SELECT candidate_id AS id FROM sitting_candidates WHERE sitting_id = 's-enrol' ORDER BY 1`;
    expect(ids.map((r) => r.id)).toEqual(['sk-0', 'sk-1', 'sk-11', 'sk-2', 'sk-3', 'sk-6', 'sk-7', 'sk-9']);
    const audit = await auditRows('s-enrol');
    expect(audit.filter((a) => a.action === 'sitting.enrolled').map((a) => a.details.by)).toContainEqual({ batch: 'B0' });
  });

  it('refuses an unknown candidate, a batch nobody has, both list and attributes, nothing at all, an unknown sitting', async () => {
    const unknown = await enrol({ candidates: ['sk-4', 'ghost-1'] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.detail).toMatch(/ghost-1/);
    expect((await env.sql`SELECT count(*)::int AS n FROM sitting_candidates WHERE sitting_id = 's-enrol' AND candidate_id = 'sk-4'`)[0]!.n).toBe(0);
    expect((await enrol({ batch: 'B01' })).json().error).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringMatching(/batch B01/) });
    expect((await enrol({ batch: 'B0', candidates: ['sk-4'] })).json().error.code).toBe('BAD_REQUEST');
    expect((await enrol({})).json().error.code).toBe('BAD_REQUEST');
    expect((await enrol({ slot: 'night' })).json().error.code).toBe('BAD_REQUEST');
    expect((await enrol({ batch: 'B0' }, 'ghost')).statusCode).toBe(404);
  });
});

describe('change freeze through the API', () => {
  const frozenPatches: Array<[string, Record<string, unknown>]> = [
    ['exam_version', { examVersion: DEMO_EXAM.version + 1 }],
    ['exam_id', { examId: 'other-exam' }],
    ['opens_at', { opensAt: inMinutes(-30) }],
    ['closes_at', { closesAt: inMinutes(600) }],
    ['duration_s', { durationMinutes: 45 }],
    ['grace_s', { graceSeconds: 5 }],
    ['start_mode', { startMode: 'signal' }],
  ];

  beforeAll(async () => {
    await importExamDefinition(env.sql, { ...DEMO_EXAM, id: 'other-exam' });
    expect((await api.call('POST', '/api/v1/sittings', { body: sitting('s-live', { opensAt: inMinutes(-5), closesAt: inMinutes(240) }) })).statusCode).toBe(201);
  });

  it('refuses each frozen field with CHANGE_FROZEN (409) naming it, and changes nothing', async () => {
    const before = (await api.call('GET', '/api/v1/sittings/s-live')).json();
    expect(before.live).toBe(true);
    for (const [column, body] of frozenPatches) {
      const res = await api.call('PATCH', '/api/v1/sittings/s-live', { body: { ...body, title: 'renamed too' } });
      expect(res.statusCode, column).toBe(409);
      expect(res.json().error.code).toBe('CHANGE_FROZEN');
      expect(res.json().error.detail).toContain(column);
    }
    expect((await api.call('GET', '/api/v1/sittings/s-live')).json()).toEqual(before);
    expect((await auditRows('s-live')).map((a) => a.action)).toEqual(['sitting.created']);
  });

  it('lets the title and slot change while live (audited as sitting.updated)', async () => {
    const res = await api.call('PATCH', '/api/v1/sittings/s-live', { body: { title: 'Morning paper', slot: 'afternoon' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ title: 'Morning paper', slot: 'afternoon' });
    expect((await auditRows('s-live')).at(-1)).toMatchObject({ action: 'sitting.updated', details: { changes: { title: { old: 'Sitting s-live', new: 'Morning paper' } } } });
  });

  it('takes a frozen change with override: { reason }, audited with actor, old and new values and the reason', async () => {
    const refused = await api.call('PATCH', '/api/v1/sittings/s-live', { body: { durationMinutes: 100, override: { reason: '  ' } } });
    expect(refused.json().error.code).toBe('BAD_REQUEST'); // a blank reason is no reason
    const res = await api.call('PATCH', '/api/v1/sittings/s-live', { body: { durationMinutes: 100, examVersion: DEMO_EXAM.version + 1, override: { reason: 'question 4 had a typo; v2 fixes it' } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ durationMinutes: 100, examVersion: DEMO_EXAM.version + 1 });
    const last = (await auditRows('s-live')).at(-1)!;
    expect(last).toEqual({
      actor: 'api:test-office',
      action: 'sitting.changed_during_window',
      details: {
        reason: 'question 4 had a typo; v2 fixes it',
        changes: { duration_s: { old: 5400, new: 6000 }, exam_version: { old: DEMO_EXAM.version, new: DEMO_EXAM.version + 1 } },
      },
    });
  });

  it('lists the sittings routes in the OpenAPI document', async () => {
    const doc = (await api.call('GET', '/openapi.json', { key: null })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/sittings', '/api/v1/sittings/{sittingId}', '/api/v1/sittings/{sittingId}/enrolments']));
    expect(Object.keys(doc.paths['/api/v1/sittings/{sittingId}'])).toEqual(expect.arrayContaining(['get', 'patch']));
  });
});
