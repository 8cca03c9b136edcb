import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { migrate } from '../../src/store/migrate.js';
import { runQuery } from '../../src/store/queries.js';
import { flushAnswers } from '../../src/worker/flush.js';

let env: TestEnv;
let attempts: string[];
const migrationsDir = join(import.meta.dirname, '../../src/store/migrations');

async function startAttempts(sittingId: string, candidates: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const candidate of candidates) {
    await runQuery(env.sql, 'start-attempt', [sittingId, candidate, 'test', 'in_progress', new Date()]);
    const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'find-attempt-context', [sittingId, candidate]);
    ids.push(row!.attempt_id);
  }
  return ids;
}

beforeAll(async () => {
  env = await createTestEnv();
  attempts = await startAttempts(env.seeded.sittingId, env.seeded.candidateIds);
  const items = attempts.flatMap((a) => [1, 2, 3].flatMap((s) => ['q01', 'q02'].map((q) => ({ a, q, s, v: { kind: 'text' as const, text: `${q}-${s}` }, r: Date.now() }))));
  await flushAnswers(env.sql, 'g1', items);
});
afterAll(() => env?.cleanup());

describe('migration 009: answers and answer_events partitioned by hash of attempt_id', () => {
  it('makes both tables hash-partitioned into 8 partitions', async () => {
    const rows = await env.sql.unsafe<{ table: string; strategy: string; partitions: number }[]>(
      `SELECT c.relname AS table, p.partstrat AS strategy, (SELECT count(*)::int FROM pg_inherits i WHERE i.inhparent = c.oid) AS partitions
       FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid
       WHERE c.relnamespace = current_schema()::regnamespace ORDER BY 1`,
    );
    expect(rows).toEqual([
      { table: 'answer_events', strategy: 'h', partitions: 8 },
      { table: 'answers', strategy: 'h', partitions: 8 },
    ]);
  });

  it('spreads a flush over several partitions and the stored answers read back unchanged', async () => {
    const spread = await env.sql.unsafe<{ n: number }[]>('SELECT count(DISTINCT tableoid)::int AS n FROM answer_events');
    expect(spread[0]!.n).toBeGreaterThan(4); // 20 attempts over 8 partitions
    const counts = await env.sql.unsafe<{ answers: number; events: number }[]>(
      'SELECT (SELECT count(*)::int FROM answers) AS answers, (SELECT count(*)::int FROM answer_events) AS events',
    );
    expect(counts[0]).toEqual({ answers: 40, events: 120 });
    const stored = await runQuery<{ question_id: string; seq: number }>(env.sql, 'attempt-answers', [attempts[3]]);
    expect(stored.map((r) => [r.question_id, r.seq]).sort()).toEqual([['q01', 3], ['q02', 3]]);
  });

  it('still refuses UPDATE and DELETE on answer_events, on the parent and on a partition', async () => {
    await expect(env.sql.unsafe('DELETE FROM answer_events')).rejects.toThrow(/append-only/);
    await expect(env.sql.unsafe('UPDATE answer_events SET seq = seq + 1')).rejects.toThrow(/append-only/);
    const [p] = await env.sql.unsafe<{ partition: string }[]>('SELECT tableoid::regclass::text AS partition FROM answer_events LIMIT 1');
    await expect(env.sql.unsafe(`DELETE FROM ${p!.partition}`)).rejects.toThrow(/append-only/);
    // a partition added later gets the trigger too (it is defined on the parent)
    const triggers = await env.sql.unsafe<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_inherits i ON i.inhrelid = t.tgrelid
       WHERE i.inhparent = 'answer_events'::regclass AND t.tgname = 'answer_events_append_only'`,
    );
    expect(triggers[0]!.n).toBe(8);
  });

  it('lets the archiving setting through only for DELETE of that sitting\'s rows, never UPDATE', async () => {
    const tryIn = (setting: string, statement: string) =>
      env.sql.begin(async (tx) => {
        await tx.unsafe("SELECT set_config('examhall.archiving', $1, true)", [setting]);
        await tx.unsafe(statement, [attempts[0]!]);
        throw new Error('rolled back on purpose');
      });
    await expect(tryIn('another-sitting', 'DELETE FROM answer_events WHERE attempt_id = $1')).rejects.toThrow(/append-only/);
    await expect(tryIn(env.seeded.sittingId, 'UPDATE answer_events SET seq = seq WHERE attempt_id = $1')).rejects.toThrow(/append-only/);
    await expect(tryIn(env.seeded.sittingId, 'DELETE FROM answer_events WHERE attempt_id = $1')).rejects.toThrow(/rolled back on purpose/);
    const left = await env.sql.unsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM answer_events WHERE attempt_id = $1', [attempts[0]!]);
    expect(left[0]!.n).toBe(6);
  });
});

describe('sessions of the pool', () => {
  it('run without JIT (compiling cost more than the sweeps and roster snapshots it was for; see 009)', async () => {
    const [row] = await env.sql.unsafe<{ jit: string }[]>('SHOW jit');
    expect(row!.jit).toBe('off');
  });
});

describe('migration 009 on a schema that already holds answers', () => {
  const schema = `${'t_pre009_'}${Math.random().toString(16).slice(2, 10)}`;
  afterAll(() => env.sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));

  it('moves every row, keeps ids and the sequence going, and the flush works after it', async () => {
    const before = readdirSync(migrationsDir).filter((f) => /^\d{3}_.+\.sql$/.test(f) && f < '009').sort();
    const sql = env.sql;
    // the earlier migrations by hand, recorded as applied, so migrate() then applies 009 (and later ones)
    const fingerprint = await sql.begin(async (tx) => {
      await tx.unsafe(`CREATE SCHEMA "${schema}"`);
      await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
      await tx.unsafe('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const f of before) {
        await tx.unsafe(readFileSync(join(migrationsDir, f), 'utf8'));
        await tx.unsafe('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
      }
      await tx.unsafe(`INSERT INTO districts VALUES ('d', 'D'); INSERT INTO centers VALUES ('c', 'd', 'C');
        INSERT INTO exams (id, version, title, content) VALUES ('e', 1, 'E', '{}');
        INSERT INTO sittings (id, exam_id, exam_version, title, opens_at, closes_at, duration_s) VALUES ('s', 'e', 1, 'S', now(), now() + interval '1 hour', 60);
        INSERT INTO candidates (id, center_id, name) SELECT 'c' || g, 'c', 'C' FROM generate_series(1, 50) g;
        INSERT INTO sitting_candidates SELECT 's', id FROM candidates;
        INSERT INTO attempts (sitting_id, candidate_id, status) SELECT 's', id, 'in_progress' FROM candidates;
        INSERT INTO answer_events (attempt_id, question_id, seq, value, received_at, gateway_id)
          SELECT a.id, 'q' || q, v, jsonb_build_object('v', v), now(), 'g' FROM attempts a, generate_series(1, 4) q, generate_series(1, 3) v;
        INSERT INTO answers (attempt_id, question_id, seq, value, received_at, gateway_id)
          SELECT attempt_id, question_id, max(seq), jsonb_build_object('v', max(seq)), now(), 'g' FROM answer_events GROUP BY 1, 2;`);
      const [f] = await tx.unsafe<{ answers: string; events: string; max_id: number }[]>(FINGERPRINT);
      return f!;
    });
    expect(fingerprint.max_id).toBe(600);

    const result = await migrate(sql, schema);
    expect(result.applied[0]).toBe('009_partitioned_answers.sql');
    const after = await sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
      const [f] = await tx.unsafe<{ answers: string; events: string; max_id: number }[]>(FINGERPRINT);
      const [next] = await tx.unsafe<{ id: number }[]>(
        `INSERT INTO answer_events (attempt_id, question_id, seq, value, received_at, gateway_id)
         SELECT id, 'q9', 1, 'null', now(), 'g' FROM attempts LIMIT 1 RETURNING id`,
      );
      const [parts] = await tx.unsafe<{ n: number }[]>("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'answers'::regclass");
      return { ...f!, next: next!.id, partitions: parts!.n };
    });
    expect(after).toEqual({ ...fingerprint, next: 601, partitions: 8 });
  });
});

/** Every row of both tables, hashed in a fixed order: equal before and after means nothing was lost or changed. */
const FINGERPRINT = `SELECT
  (SELECT md5(string_agg(x::text, ',' ORDER BY x.attempt_id, x.question_id)) FROM answers x) AS answers,
  (SELECT md5(string_agg(e::text, ',' ORDER BY e.id)) FROM answer_events e) AS events,
  (SELECT max(id)::int FROM answer_events) AS max_id`;
