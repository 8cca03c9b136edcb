/**
 * The change freeze (migration 006) against real Postgres: while a sitting is live (window open,
 * within grace, started, or attempts still running) its exam and timing cannot change, through the
 * service or a raw UPDATE, unless the transaction gives an override reason; such a change is audited
 * with the actor, old and new values and the reason. Before the window, after it, and for titles
 * and run state (pause, start) nothing is frozen. Re-seeding a live demo sitting still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamhallError } from '@examhall/shared';
import { DEMO_EXAM } from '../src/exam/demo-exam.js';
import { importExamDefinition } from '../src/exam/import.js';
import { seedDemo } from '../src/exam/seed.js';
import { runQuery } from '../src/store/queries.js';
import { asSittingWriter, CHANGE_FROZEN_SQLSTATE } from '../src/sittings/freeze.js';
import { getSitting, updateSitting } from '../src/sittings/sittings-service.js';
import type { SittingPatch } from '../src/sittings/sitting-schemas.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';

let env: TestEnv;
const V2 = DEMO_EXAM.version + 1;
const writer = { actor: 'test:office' };
const at = (minutes: number) => new Date(Date.now() + minutes * 60_000);

/** A sitting written straight into the table (the service refuses windows already past). */
async function insertSitting(id: string, opens: number, closes: number, graceS = 0) {
  await env.sql`
    INSERT INTO sittings (id, exam_id, exam_version, title, opens_at, closes_at, duration_s, grace_s)
    VALUES (${id}, ${DEMO_EXAM.id}, ${DEMO_EXAM.version}, ${id}, ${at(opens)}, ${at(closes)}, 60, ${graceS})`;
}
const stored = async (id: string) => (await env.sql`SELECT exam_version, opens_at, closes_at, duration_s, grace_s, start_mode FROM sittings WHERE id = ${id}`)[0];
const refusal = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
const audit = (id: string) =>
  env.sql<Array<{ actor: string; action: string; details: Record<string, any> }>>`
    SELECT actor, action, details FROM audit_log WHERE sitting_id = ${id} AND action LIKE 'sitting.%' ORDER BY id`;

/** Each frozen column and a patch that changes it (the window patches keep the duration fitting). */
const FROZEN: Array<[string, SittingPatch]> = [
  ['exam_id', { examId: 'other-exam' }],
  ['exam_version', { examVersion: V2 }],
  ['opens_at', { opensAt: at(-20) }],
  ['closes_at', { closesAt: at(500) }],
  ['duration_s', { durationMinutes: 30 }],
  ['grace_s', { graceSeconds: 90 }],
  ['start_mode', { startMode: 'signal' }],
];

beforeAll(async () => {
  env = await createTestEnv();
  await importExamDefinition(env.sql, { ...DEMO_EXAM, version: V2 });
  await importExamDefinition(env.sql, { ...DEMO_EXAM, id: 'other-exam' });
  await importExamDefinition(env.sql, { ...DEMO_EXAM, id: 'other-exam', version: V2 });
});
afterAll(async () => {
  await env?.cleanup();
});

describe('while the window is open', () => {
  it('the service refuses each frozen field with CHANGE_FROZEN naming it, and nothing changes', async () => {
    await insertSitting('open', -10, 240);
    const before = await stored('open');
    for (const [column, patch] of FROZEN) {
      const err = await refusal(updateSitting(env.sql, 'open', patch, writer));
      expect(err, column).toBeInstanceOf(ExamhallError);
      expect((err as ExamhallError).code).toBe('CHANGE_FROZEN');
      expect((err as ExamhallError).error.detail).toContain(column);
    }
    expect(await stored('open')).toEqual(before);
    expect((await audit('open')).map((a) => a.action)).toEqual(['sitting.created']);
  });

  it('a title changes freely; an override with a reason lets a frozen change through, audited', async () => {
    await updateSitting(env.sql, 'open', { title: 'Renamed' }, writer);
    const view = await updateSitting(env.sql, 'open', { durationMinutes: 45, graceSeconds: 15, override: { reason: 'power cut at two centers' } }, writer);
    expect(view).toMatchObject({ title: 'Renamed', durationMinutes: 45, graceSeconds: 15, live: true });
    const rows = await audit('open');
    expect(rows.map((r) => r.action)).toEqual(['sitting.created', 'sitting.updated', 'sitting.changed_during_window']);
    expect(rows[1]!.details).toEqual({ changes: { title: { old: 'open', new: 'Renamed' } } });
    expect(rows[2]).toEqual({
      actor: 'test:office',
      action: 'sitting.changed_during_window',
      details: { reason: 'power cut at two centers', changes: { duration_s: { old: 60, new: 2700 }, grace_s: { old: 0, new: 15 } } },
    });
  });

  it('is still frozen after the close while the grace runs, and not after it', async () => {
    await insertSitting('in-grace', -30, -0.1, 60);
    expect((await refusal(updateSitting(env.sql, 'in-grace', { graceSeconds: 0 }, writer)) as ExamhallError).code).toBe('CHANGE_FROZEN');
    await insertSitting('closed', -30, -0.1, 0);
    expect(await updateSitting(env.sql, 'closed', { closesAt: at(-0.05) }, writer)).toMatchObject({ live: false });
  });

  it('is frozen while an attempt runs after the window, and free once it is finished', async () => {
    await insertSitting('overrun', -120, -5);
    const candidate = env.seeded.candidateIds[0]!;
    await runQuery(env.sql, 'enroll-candidates', ['overrun', [candidate]]);
    await env.sql`INSERT INTO attempts (sitting_id, candidate_id, status, started_at) VALUES ('overrun', ${candidate}, 'in_progress', now() - interval '50 minutes')`;
    expect((await refusal(updateSitting(env.sql, 'overrun', { examVersion: V2 }, writer)) as ExamhallError).code).toBe('CHANGE_FROZEN');
    await env.sql`UPDATE attempts SET status = 'submitted', submitted_at = now() WHERE sitting_id = 'overrun'`;
    expect(await updateSitting(env.sql, 'overrun', { examVersion: V2 }, writer)).toMatchObject({ examVersion: V2, live: false });
  });

  it('is frozen once started by the signal, even before its planned opening', async () => {
    await insertSitting('early-start', 30, 240);
    expect((await getSitting(env.sql, 'early-start')).live).toBe(false);
    await env.sql`UPDATE sittings SET started_at = now() WHERE id = 'early-start'`; // run state: never frozen
    expect((await refusal(updateSitting(env.sql, 'early-start', { durationMinutes: 20 }, writer)) as ExamhallError).code).toBe('CHANGE_FROZEN');
  });
});

describe('outside the window', () => {
  it('before it opens every frozen field may change, each change audited as sitting.updated', async () => {
    await insertSitting('later', 60, 600);
    for (const [column, patch] of FROZEN) {
      await updateSitting(env.sql, 'later', patch.opensAt ? { opensAt: at(30) } : patch, writer);
      expect((await audit('later')).at(-1), column).toMatchObject({ action: 'sitting.updated', details: { changes: { [column]: expect.anything() } } });
    }
    expect(await getSitting(env.sql, 'later')).toMatchObject({ examId: 'other-exam', examVersion: V2, durationMinutes: 30, graceSeconds: 90, startMode: 'signal', live: false });
  });
});

describe('the trigger is the one gate', () => {
  it('refuses a raw UPDATE without an override, with SQLSTATE EHF01 and the changed values', async () => {
    await insertSitting('raw', -5, 120);
    const err = (await refusal(env.sql`UPDATE sittings SET closes_at = closes_at + interval '1 hour' WHERE id = 'raw'`)) as { code: string; message: string; detail: string };
    expect(err.code).toBe(CHANGE_FROZEN_SQLSTATE);
    expect(err.message).toMatch(/sitting raw is live: closes_at cannot change/);
    expect(JSON.parse(err.detail)).toHaveProperty('closes_at.old');
    // an empty or blank reason is no override
    const blank = await refusal(env.sql.begin(async (tx) => {
      await tx`SELECT set_config('examhall.freeze_override', '   ', true)`;
      await tx`UPDATE sittings SET duration_s = 120 WHERE id = 'raw'`;
    }));
    expect((blank as { code: string }).code).toBe(CHANGE_FROZEN_SQLSTATE);
  });

  it('takes a raw UPDATE with SET LOCAL examhall.freeze_override, audits it, and the override ends with its transaction', async () => {
    const conn = await env.sql.reserve();
    try {
      // as a DBA would in psql
      await conn`BEGIN`;
      await conn.unsafe(`SET LOCAL examhall.freeze_override = 'DBA: exam board order 17'`);
      await conn`UPDATE sittings SET duration_s = 120 WHERE id = 'raw'`;
      await conn`COMMIT`;
      // the same connection, next transaction: frozen again
      expect(((await refusal(conn`UPDATE sittings SET duration_s = 180 WHERE id = 'raw'`)) as { code: string }).code).toBe(CHANGE_FROZEN_SQLSTATE);
    } finally {
      conn.release();
    }
    expect((await stored('raw'))!.duration_s).toBe(120);
    expect((await audit('raw')).at(-1)).toEqual({
      actor: 'db:postgres',
      action: 'sitting.changed_during_window',
      details: { reason: 'DBA: exam board order 17', changes: { duration_s: { old: 60, new: 120 } } },
    });
  });

  it('maps the refusal of any writer going through asSittingWriter to CHANGE_FROZEN', async () => {
    const err = await refusal(asSittingWriter(env.sql, writer, (tx) => tx`UPDATE sittings SET start_mode = 'signal' WHERE id = 'raw'`));
    expect(err).toBeInstanceOf(ExamhallError);
    expect((err as ExamhallError).code).toBe('CHANGE_FROZEN');
  });

  it('leaves run state alone: an incident pause and the start signal are neither refused nor audited here', async () => {
    const before = (await audit('raw')).length;
    await runQuery(env.sql, 'set-sitting-paused', ['raw', true]);
    await env.sql`UPDATE sittings SET started_at = now() WHERE id = 'raw'`;
    await runQuery(env.sql, 'set-sitting-paused', ['raw', false]);
    expect((await audit('raw')).length).toBe(before);
  });

  it('still lets seedDemo re-seed a live sitting (moving its window), as an audited override by seed', async () => {
    const first = await getSitting(env.sql, env.seeded.sittingId);
    expect(first.live).toBe(true);
    await new Promise((r) => setTimeout(r, 5));
    await seedDemo(env.sql, { sittingId: env.seeded.sittingId, candidates: 20, durationMinutes: 30 });
    const again = await getSitting(env.sql, env.seeded.sittingId);
    expect(again.opensAt).not.toBe(first.opensAt);
    expect(again.durationMinutes).toBe(30);
    expect((await audit(env.seeded.sittingId)).at(-1)).toMatchObject({ actor: 'seed', action: 'sitting.changed_during_window', details: { reason: 'seed' } });
  });
});
