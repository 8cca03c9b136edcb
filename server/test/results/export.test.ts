/**
 * The streamed export, row by row: CSV (names with commas, quotes and newlines survive a real CSV
 * parser) and JSON Lines, wide and long, filtered by district and by center, over the API and
 * through the CLI command as a separate process (to a file, progress on stderr).
 */
import { execFile } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptServices } from '../../src/attempts/services.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { envFor } from '../helpers/processes.js';
import { EXPORT_BATCH_ROWS, prepareExport } from '../../src/results/export.js';
import { runQuery } from '../../src/store/queries.js';
import { choice, createFinishedSitting, numeric, openAttemptServices, text } from './fixture.js';

let env: TestEnv;
let attempts: AttemptServices;
let api: TestApi;
const tricky = 'Rao, "Anu"\nsecond line';
const BIG = 8 * EXPORT_BATCH_ROWS;

beforeAll(async () => {
  env = await createTestEnv();
  attempts = openAttemptServices(env);
  api = await startTestApi(env);
  await createFinishedSitting(env, attempts, 'exp', [
    { id: 'x-3', name: 'Plain Name', center: 'pune-c2', answers: { r1: choice('r1-a'), r3: choice('r3-a') } },
    { id: 'x-1', name: tricky, center: 'mumbai-c1', answers: { r1: choice('r1-a'), r2: numeric(24), r3: choice('r3-a', 'r3-c'), r4: text('essay') } },
    { id: 'x-2', name: '=cmd|"/c calc"', center: 'pune-c1', answers: { r2: numeric(1) } },
    { id: 'x-4', name: 'Still Writing', center: 'pune-c2', answers: {}, finish: false },
  ]);
  await runQuery(env.sql, 'upsert-candidates', [['x-5'], ['pune-c2'], ['Never Came'], [0]]);
  await runQuery(env.sql, 'enroll-candidates', ['exp', ['x-5']]);
  // 'big': many batches of attempts (without question scores), inserted directly
  await runQuery(env.sql, 'upsert-sitting', ['big', 'results-exam', 1, 'big', new Date(Date.now() - 60_000), new Date(Date.now() + 86_400_000), 3600, 0, 'on_join']);
  await env.sql`INSERT INTO candidates (id, center_id, name) SELECT 'big-' || lpad(i::text, 6, '0'), 'nashik-c1', 'Big ' || i FROM generate_series(1, ${BIG}) i`;
  await env.sql`INSERT INTO sitting_candidates (sitting_id, candidate_id) SELECT 'big', id FROM candidates WHERE id LIKE 'big-%'`;
  await env.sql`INSERT INTO attempts (sitting_id, candidate_id, status, score, max_score, scoring_status) SELECT 'big', id, 'submitted', 1, 9, 'scored' FROM candidates WHERE id LIKE 'big-%'`;
});
afterAll(async () => {
  await api?.close();
  await attempts?.close();
  await env?.cleanup();
});

const HEADER = ['candidate_id', 'candidate_name', 'district', 'center', 'batch', 'slot', 'status', 'started_at', 'submitted_at', 'score', 'max_score', 'scoring_status'];
const csvOf = (body: string) => parse(body, { columns: true }) as Array<Record<string, string>>;

describe('CSV export', () => {
  it('wide: one row per attempt by district, center, candidate; every field round-trips', async () => {
    const res = await api.call('GET', '/api/v1/sittings/exp/export?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('results-exp-wide.csv');
    const header = (parse(res.body, { to_line: 1 }) as string[][])[0];
    expect(header).toEqual([...HEADER, 'points_r1', 'points_r2', 'points_r3', 'points_r4']);
    const rows = csvOf(res.body);
    expect(rows.map((r) => r.candidate_id)).toEqual(['x-1', 'x-2', 'x-3', 'x-4', 'x-5']);
    expect(rows[0]).toMatchObject({
      candidate_name: tricky, district: 'mumbai', center: 'mumbai-c1', status: 'submitted', score: '4', max_score: '9',
      scoring_status: 'pending_manual', points_r1: '1', points_r2: '1', points_r3: '2', points_r4: '0', batch: '', slot: '',
    });
    expect(new Date(rows[0]!.submitted_at!).getTime()).toBeGreaterThan(Date.now() - 600_000);
    // a name a spreadsheet would run as a formula is made inert in CSV (JSON keeps it as stored)
    expect(rows[1]).toMatchObject({ candidate_name: '\'=cmd|"/c calc"', score: '0', points_r1: '0', points_r2: '0' });
    expect(rows[2]).toMatchObject({ candidate_name: 'Plain Name', score: '2', points_r3: '1', scoring_status: 'scored' });
    // started, not finished: no score and no points yet
    expect(rows[3]).toMatchObject({ status: 'in_progress', score: '', submitted_at: '', points_r1: '', points_r4: '' });
    // enrolled, never joined: listed as absent
    expect(rows[4]).toMatchObject({ candidate_name: 'Never Came', status: 'absent', started_at: '', score: '', points_r1: '' });
  });

  it('long: one row per attempt × question, filtered by district and by center', async () => {
    const pune = csvOf((await api.call('GET', '/api/v1/sittings/exp/export?format=csv&shape=long&district=pune')).body);
    expect(pune.map((r) => `${r.candidate_id}/${r.question_id}`)).toEqual(['x-2', 'x-3', 'x-4', 'x-5'].flatMap((c) => ['r1', 'r2', 'r3', 'r4'].map((q) => `${c}/${q}`)));
    expect(pune.find((r) => r.candidate_id === 'x-3' && r.question_id === 'r3')).toMatchObject({ points: '1', max_points: '2', question_status: 'scored' });
    expect(pune.find((r) => r.candidate_id === 'x-3' && r.question_id === 'r2')).toMatchObject({ points: '0', question_status: 'unanswered' });
    expect(pune.find((r) => r.candidate_id === 'x-4' && r.question_id === 'r1')).toMatchObject({ points: '', question_status: '' });
    const center = csvOf((await api.call('GET', '/api/v1/sittings/exp/export?shape=long&center=pune-c1')).body);
    expect(new Set(center.map((r) => r.candidate_id))).toEqual(new Set(['x-2']));
    expect(center).toHaveLength(4);
  });

  it('refuses an unknown sitting, center or format with a coded JSON error (no half file)', async () => {
    const sitting = await api.call('GET', '/api/v1/sittings/none/export');
    expect(sitting.statusCode).toBe(404);
    expect(sitting.json().error.code).toBe('SITTING_NOT_FOUND');
    expect((await api.call('GET', '/api/v1/sittings/exp/export?center=none')).json().error.code).toBe('NOT_FOUND');
    expect((await api.call('GET', '/api/v1/sittings/exp/export?format=xml')).json().error.code).toBe('BAD_REQUEST');
  });
});

describe('JSON Lines export', () => {
  it('wide: one object per line with points by question id', async () => {
    const res = await api.call('GET', '/api/v1/sittings/exp/export?format=json&district=mumbai');
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ candidate_id: 'x-1', candidate_name: tricky, score: 4, max_score: 9, points: { r1: 1, r2: 1, r3: 2, r4: 0 } });
  });

  it('long: one object per attempt × question', async () => {
    const res = await api.call('GET', '/api/v1/sittings/exp/export?format=json&shape=long&center=pune-c2');
    const lines = res.body.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => `${l.candidate_id}/${l.question_id}/${l.points}`)).toEqual([
      'x-3/r1/1', 'x-3/r2/0', 'x-3/r3/1', 'x-3/r4/0', 'x-4/r1/null', 'x-4/r2/null', 'x-4/r3/null', 'x-4/r4/null',
      'x-5/r1/null', 'x-5/r2/null', 'x-5/r3/null', 'x-5/r4/null',
    ]);
    expect(lines.at(-1)).toMatchObject({ candidate_id: 'x-5', status: 'absent' });
  });
});

describe('streaming', () => {
  it('reads from Postgres only as fast as the consumer takes rows (cursor + backpressure)', async () => {
    const n = BIG;
    const prepared = await prepareExport(env.sql, { sittingId: 'big', format: 'json', shape: 'wide' });
    const stream = prepared.stream();
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    stream.pause();
    await new Promise((r) => setTimeout(r, 300));
    // a paused consumer holds the stream to the batches its buffer takes, not the whole sitting
    expect(first.length).toBeGreaterThan(0);
    expect(prepared.rows()).toBeLessThanOrEqual(3 * EXPORT_BATCH_ROWS);
    let lines = first.toString().split('\n').length - 1;
    stream.on('data', (chunk: Buffer) => { lines += chunk.toString().split('\n').length - 1; });
    stream.resume();
    await new Promise((resolve) => stream.once('end', resolve));
    expect(lines).toBe(n);
    expect(prepared.rows()).toBe(n);
  });
});

describe('a client that hangs up', () => {
  it('releases the cursor: more aborted exports than pooled connections, then the pool still answers', async () => {
    // 'big': 8 batches, far more than one socket buffer
    const address = await api.app.listen({ host: '127.0.0.1', port: 0 });
    for (let i = 0; i < env.config.PG_POOL_MAX + 2; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = get(`${address}/api/v1/sittings/big/export?format=json`, { headers: { authorization: `Bearer ${api.key}` } }, (res) => {
          res.once('data', () => { req.destroy(); resolve(); });
        });
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      });
    }
    const answered = await Promise.race([
      env.sql`SELECT count(*)::int AS n FROM attempts WHERE sitting_id = 'big'`.then((r) => r[0]!.n),
      new Promise((r) => setTimeout(() => r('pool exhausted'), 5_000)),
    ]);
    expect(answered).toBe(BIG);
    // and the server let go of every hung-up response
    await waitFor(() => new Promise<boolean>((r) => api.app.server.getConnections((_err, n) => r(n === 0))), 5_000, 'the sockets to close');
  });
});

describe('results export (CLI)', () => {
  it('writes the same CSV to a file, with progress on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-test-'));
    try {
      const out = join(dir, 'pune.csv');
      const cli = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli.ts');
      const { stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'results', 'export', '--sitting', 'exp', '--district', 'pune', '--out', out], { env: envFor(env.config) });
      expect(stderr).toMatch(/4 rows in [\d.]+ s to /);
      const api = (await apiCsv('/api/v1/sittings/exp/export?district=pune'));
      expect(readFileSync(out, 'utf8')).toBe(api);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const apiCsv = async (url: string) => (await api.call('GET', url)).body;
