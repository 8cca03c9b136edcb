import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { seedDemo } from '../../src/exam/seed.js';
import { runQuery } from '../../src/store/queries.js';
import { flushAnswers } from '../../src/worker/flush.js';
import { archiveSitting } from '../../src/archive/archive-sitting.js';
import { ARCHIVE_TABLES } from '../../src/archive/archive-tables.js';

let env: TestEnv;
let dir: string;
const CLOSED_A = 'closed-a';
const CLOSED_B = 'closed-b';
const STILL_RUNNING = 'closed-running';

/** Attempts with answers, scores, presence, an alert and audit rows for each candidate of a sitting. */
async function fillSitting(sittingId: string, candidates: string[], status: string): Promise<string[]> {
  const ids: string[] = [];
  for (const candidate of candidates) {
    await runQuery(env.sql, 'start-attempt', [sittingId, candidate, 'test', 'in_progress', new Date(Date.now() - 3 * 3_600_000)]);
    const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'find-attempt-context', [sittingId, candidate]);
    ids.push(row!.attempt_id);
  }
  const items = ids.flatMap((a) => [1, 2].flatMap((s) => ['q01', 'q02', 'q03'].map((q) => ({ a, q, s, v: { kind: 'text' as const, text: `${q}.${s}` }, r: Date.now() - 3_600_000 }))));
  await flushAnswers(env.sql, 'g1', items);
  for (const statement of [
    "INSERT INTO question_scores (attempt_id, question_id, points, max_points, status) SELECT id, 'q01', 1, 1, 'scored' FROM attempts WHERE sitting_id = $1",
    "INSERT INTO presence_events (attempt_id, session_id, kind, at, gateway_id) SELECT id, 's', k, now() - interval '2 hours', 'g1' FROM attempts, unnest(ARRAY['connect', 'disconnect']) k WHERE sitting_id = $1",
    "INSERT INTO presence (attempt_id, session_id, online, changed_at, gateway_id) SELECT id, 's', false, now() - interval '2 hours', 'g1' FROM attempts WHERE sitting_id = $1",
    "INSERT INTO alerts (attempt_id, sitting_id, kind) SELECT id, sitting_id, 'idle' FROM attempts WHERE sitting_id = $1",
  ]) await env.sql.unsafe(statement, [sittingId]);
  await env.sql.unsafe("UPDATE attempts SET status = $2, submitted_at = now() - interval '90 minutes' WHERE sitting_id = $1", [sittingId, status]);
  for (const id of ids) await runQuery(env.sql, 'insert-audit', ['test', 'attempt.submitted', id, '{}', sittingId]);
  await runQuery(env.sql, 'insert-audit', ['test', 'sitting.paused', null, '{}', sittingId]);
  return ids;
}

/** Rows of every archived table that belong to a sitting (the same conditions the archive uses). */
async function countsOf(sittingId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ARCHIVE_TABLES) {
    const [r] = await env.sql.unsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${t.where}`, [sittingId]);
    out[t.table] = r!.n;
  }
  return out;
}

const closedWindow = { opensInMinutes: -6 * 60, windowHours: 4 };

beforeAll(async () => {
  env = await createTestEnv();
  dir = mkdtempSync(join(tmpdir(), 'archive-test-'));
  for (const id of [CLOSED_A, CLOSED_B, STILL_RUNNING]) await seedDemo(env.sql, { candidates: 6, sittingId: id, ...closedWindow });
  const candidates = env.seeded.candidateIds.slice(0, 6);
  await fillSitting(CLOSED_A, candidates, 'submitted');
  await fillSitting(CLOSED_B, candidates, 'auto_submitted');
  await fillSitting(STILL_RUNNING, candidates.slice(0, 2), 'submitted');
  await env.sql.unsafe("UPDATE attempts SET status = 'in_progress', submitted_at = NULL WHERE sitting_id = $1 AND candidate_id = $2", [STILL_RUNNING, candidates[0]!]);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await env?.cleanup();
});

const options = (sittingId: string, out: string, purge = false) => ({ sittingId, outDir: join(dir, out), purge, actor: 'test' });

describe('archive --sitting', () => {
  it('refuses a sitting whose window is open, one with an attempt in progress, and an unknown one', async () => {
    await expect(archiveSitting(env.sql, options(env.seeded.sittingId, 'open'))).rejects.toMatchObject({ code: 'CONFLICT', message: /still open/ });
    await expect(archiveSitting(env.sql, options(STILL_RUNNING, 'running'))).rejects.toMatchObject({ code: 'CONFLICT', message: /1 attempt\(s\) still/ });
    await expect(archiveSitting(env.sql, options('no-such-sitting', 'none'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('archives a sitting that closed minutes ago, but purges it only after the queue had time to settle', async () => {
    await seedDemo(env.sql, { candidates: 2, sittingId: 'just-closed', opensInMinutes: -65, windowHours: 1, graceSeconds: 0 });
    await expect(archiveSitting(env.sql, options('just-closed', 'just-closed-purge', true))).rejects.toMatchObject({ code: 'CONFLICT', message: /answers may still be queued/ });
    expect((await archiveSitting(env.sql, options('just-closed', 'just-closed'))).purged).toBe(false);
  });

  it('writes one gzipped JSON Lines file per table with the counts and sha256 the manifest states', async () => {
    const expected = await countsOf(CLOSED_A);
    expect(expected).toMatchObject({ attempts: 6, answers: 18, answer_events: 36, question_scores: 6, presence_events: 12, presence: 6, alerts: 6, audit_log: 14 }); // audit: the seed's sitting.created, 6 starts (start-attempt), 6 submits, 1 pause
    const result = await archiveSitting(env.sql, options(CLOSED_A, 'a-copy'));
    const manifest = JSON.parse(readFileSync(result.manifest, 'utf8')) as { sitting_id: string; tables: { table: string; file: string; rows: number; sha256: string }[] };
    expect(manifest.sitting_id).toBe(CLOSED_A);
    expect(Object.fromEntries(manifest.tables.map((t) => [t.table, t.rows]))).toEqual(expected);
    const attemptIds = new Set((await env.sql.unsafe<{ id: string }[]>('SELECT id FROM attempts WHERE sitting_id = $1', [CLOSED_A])).map((r) => r.id));
    for (const t of manifest.tables) {
      const bytes = readFileSync(join(result.outDir, t.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(t.sha256);
      const rows = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: string; attempt_id?: string });
      expect(rows).toHaveLength(t.rows);
      for (const row of rows) expect(attemptIds.has((t.table === 'attempts' ? row.id : row.attempt_id) ?? '') || t.table === 'audit_log').toBe(true);
    }
    // without --purge nothing is deleted, and the export is recorded
    expect(await countsOf(CLOSED_A)).toEqual(expected);
    const audit = await env.sql.unsafe("SELECT details FROM audit_log WHERE action = 'sitting.archived' AND sitting_id = $1", [CLOSED_A]);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ purged: false, rows: expected });
  });

  it('will not write over an earlier archive', async () => {
    await expect(archiveSitting(env.sql, options(CLOSED_A, 'a-copy'))).rejects.toMatchObject({ code: 'CONFLICT', message: /exists already/ });
    // nor over the files a failed run left behind without a manifest
    mkdirSync(join(dir, 'leftover'));
    writeFileSync(join(dir, 'leftover', 'answers.jsonl.gz'), '');
    await expect(archiveSitting(env.sql, options(CLOSED_A, 'leftover'))).rejects.toMatchObject({ code: 'CONFLICT', message: /answers\.jsonl\.gz exists already/ });
  });

  it('--purge removes exactly that sitting\'s rows, records it, and ordinary deletes stay refused', async () => {
    const otherBefore = await countsOf(CLOSED_B);
    const expected = await countsOf(CLOSED_A);
    const result = await archiveSitting(env.sql, options(CLOSED_A, 'a-purged', true));
    expect(Object.fromEntries(result.tables.map((t) => [t.table, t.rows]))).toEqual(expected);
    expect(Object.values(await countsOf(CLOSED_A)).every((n) => n === 0)).toBe(true);
    expect(await countsOf(CLOSED_B)).toEqual(otherBefore);
    const audit = await env.sql.unsafe<{ details: { purged: boolean; manifest_sha256: string } }[]>(
      "SELECT details FROM audit_log WHERE action = 'sitting.archived' AND sitting_id = $1 ORDER BY id", [CLOSED_A]);
    expect(audit.map((a) => a.details.purged)).toEqual([false, true]); // the archive records stay in the hot table
    expect(audit[1]!.details.manifest_sha256).toBe(result.manifestSha256);
    await expect(env.sql.unsafe('DELETE FROM answer_events')).rejects.toThrow(/append-only/);
    await expect(env.sql.unsafe('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    await expect(env.sql.unsafe('DELETE FROM presence_events')).rejects.toThrow(/append-only/);
  });

  it('purges nothing when the rows changed after the export (counts re-checked in the purge transaction)', async () => {
    const before = await countsOf(CLOSED_B);
    const sql = env.sql;
    // an audit row that lands between export and purge: the purge sees one row more than the file
    const racing = new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'begin') {
          return async (...args: unknown[]) => {
            if (typeof args[0] === 'function') await runQuery(sql, 'insert-audit', ['test', 'late.note', null, '{}', CLOSED_B]);
            return (target.begin as (...a: unknown[]) => unknown)(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(archiveSitting(racing, options(CLOSED_B, 'b-raced', true))).rejects.toMatchObject({ code: 'CONFLICT', message: /audit_log: 14 rows now, 13 in the archive/ });
    expect(await countsOf(CLOSED_B)).toEqual({ ...before, audit_log: before.audit_log! + 1 });
  });

  it('purges nothing when a row changed content after the export, even with the same counts', async () => {
    const before = await countsOf(CLOSED_B);
    const sql = env.sql;
    // an essay graded between export and purge: no row added or removed, one row different
    const racing = new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === 'begin') {
          return async (...args: unknown[]) => {
            if (typeof args[0] === 'function') await sql.unsafe("UPDATE question_scores SET points = points + 1 WHERE attempt_id IN (SELECT id FROM attempts WHERE sitting_id = $1)", [CLOSED_B]);
            return (target.begin as (...a: unknown[]) => unknown)(...args);
          };
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    await expect(archiveSitting(racing, options(CLOSED_B, 'b-regraded', true))).rejects.toMatchObject({ code: 'CONFLICT', message: /question_scores: rows changed since the export/ });
    expect(await countsOf(CLOSED_B)).toEqual(before);
  });
});
