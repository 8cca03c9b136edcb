/**
 * The HTTP API's frame, against real Postgres: API keys (missing, wrong, revoked), coded errors
 * for bad bodies and unknown routes, the OpenAPI document, JSON exam import, roster CSV upload
 * (refused by line, then accepted) and access codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAM } from '../../src/exam/demo-exam.js';
import { createApiKey, revokeApiKey } from '../../src/auth/api-keys.js';
import { ROSTER_COLUMNS } from '../../src/roster/roster-csv.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';

let env: TestEnv;
let api: TestApi;

beforeAll(async () => {
  env = await createTestEnv();
  api = await startTestApi(env);
});
afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

describe('API keys', () => {
  it('refuses a request without a key, with a malformed key, a wrong secret and a revoked key', async () => {
    for (const key of [null, 'nope', `${api.key.slice(0, -4)}AAAA`]) {
      const res = await api.call('GET', '/api/v1/exams', { key });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('API_KEY_INVALID');
    }
    const other = await createApiKey(env.sql, 'short-lived');
    expect((await api.call('GET', '/api/v1/whoami', { key: other.key })).json()).toMatchObject({ keyId: other.id, name: 'short-lived', role: 'admin' });
    expect(await revokeApiKey(env.sql, other.id)).toBe(true);
    expect((await api.call('GET', '/api/v1/whoami', { key: other.key })).statusCode).toBe(401);
  });

  it('stores only a hash of the secret', async () => {
    const secret = api.key.split('.')[1]!;
    const rows = await env.sql.unsafe<Array<{ secret_hash: string }>>('SELECT secret_hash FROM api_keys');
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.secret_hash).not.toContain(secret);
  });
});

describe('coded errors and the OpenAPI document', () => {
  it('answers an unknown route with NOT_FOUND and a bad body with BAD_REQUEST naming the field', async () => {
    const missing = await api.call('GET', '/api/v1/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    const bad = await api.call('POST', '/api/v1/exams', { body: { id: 'x', version: 'one' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
    expect(bad.json().error.detail).toContain('version');
  });

  it('serves an OpenAPI 3 document without a key, listing the routes and the bearer scheme', async () => {
    const res = await api.call('GET', '/openapi.json', { key: null });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/exams', '/api/v1/roster', '/api/v1/sittings/{sittingId}/access-codes']));
    expect(doc.components.securitySchemes.apiKey.scheme).toBe('bearer');
  });
});

describe('exam import (JSON)', () => {
  it('creates a version once; the same version again changes nothing', async () => {
    const exam = { ...DEMO_EXAM, id: 'api-exam', version: 1 };
    const first = await api.call('POST', '/api/v1/exams', { body: exam });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ examId: 'api-exam', version: 1, created: true });
    const again = await api.call('POST', '/api/v1/exams', { body: exam });
    expect(again.statusCode).toBe(200);
    expect(again.json().created).toBe(false);
    const list = (await api.call('GET', '/api/v1/exams')).json().exams;
    expect(list).toContainEqual(expect.objectContaining({ id: 'api-exam', version: 1, questions: exam.questions.length }));
  });
});

describe('roster upload (CSV)', () => {
  const header = ROSTER_COLUMNS.join(',');
  it('refuses a file with bad lines, listing each by line, and writes nothing', async () => {
    const csv = `${header}\nad-1,A,ac-1,AC,ak-1,K1,\nad-1,A,ac-1,AC,ak-2,K2,lots\nad-1,A,ac-1,AC,ak-1,K1 again,\n`;
    const res = await api.call('POST', '/api/v1/roster', { body: csv, contentType: 'text/csv' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IMPORT_INVALID');
    expect(res.json().problems.map((p: { line: number }) => p.line)).toEqual([3, 4]);
    expect((await env.sql`SELECT count(*)::int AS n FROM candidates WHERE id LIKE 'ak-%'`)[0]!.n).toBe(0);
  });

  it('imports a clean file and enrols it in a sitting; access codes can then be issued', async () => {
    const csv = `${header}\nad-1,A,ac-1,AC,ak-1,K1,\nad-1,A,ac-2,AC2,ak-2,K2,15\n`;
    const res = await api.call('POST', `/api/v1/roster?sitting=${env.seeded.sittingId}`, { body: csv, contentType: 'text/csv' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 2, candidates: 2, enrolled: 2 });
    const codes = await api.call('POST', `/api/v1/sittings/${env.seeded.sittingId}/access-codes`, { body: { candidates: ['ak-1', 'ak-2'] } });
    expect(codes.statusCode).toBe(200);
    expect(codes.json().codes.map((c: { candidateId: string }) => c.candidateId).sort()).toEqual(['ak-1', 'ak-2']);
  });

  it('access codes: a repeated id gets one code; an id not enrolled or an unknown sitting is refused by name, nothing issued', async () => {
    const sitting = env.seeded.sittingId;
    const twice = await api.call('POST', `/api/v1/sittings/${sitting}/access-codes`, { body: { candidates: ['ak-1', 'ak-1'] } });
    expect(twice.statusCode).toBe(200);
    expect(twice.json().codes).toHaveLength(1);
    const stranger = await api.call('POST', `/api/v1/sittings/${sitting}/access-codes`, { body: { candidates: ['ak-2', 'nobody-9'] } });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('nobody-9') });
    const noSitting = await api.call('POST', '/api/v1/sittings/no-such-sitting/access-codes', { body: {} });
    expect(noSitting.json().error.code).toBe('SITTING_NOT_FOUND');
  });

  it('text Postgres cannot store is BAD_REQUEST, not INTERNAL', async () => {
    const res = await api.call('POST', `/api/v1/sittings/${env.seeded.sittingId}/enrolments`, { body: { batch: 'B\u0000' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
  });

  it('refuses a JSON body where a CSV is expected', async () => {
    const res = await api.call('POST', '/api/v1/roster', { body: { rows: [] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('BAD_REQUEST');
  });
});
