/**
 * The QTI upload route and exam versions over HTTP (in-process, real Postgres): 201 then 200 for
 * the same package, 422 with problems by file, item and line, 409 for other content under a stored
 * version, and one stored version read back without keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_EXAM } from '../../src/exam/demo-exam.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { brokenPackage, goodPackage, zipBuffer } from '../helpers/qti-fixtures.js';

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

const upload = async (files: Record<string, string>, query = '') =>
  api.call('POST', `/api/v1/exams/qti${query}`, { body: await zipBuffer(files), contentType: 'application/zip' });

describe('POST /api/v1/exams/qti', () => {
  it('creates a version (201), then answers the same package as unchanged (200)', async () => {
    const first = await upload(goodPackage(), '?examId=api-qti&version=3');
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ examId: 'api-qti', version: 3, created: true, questions: 6, sections: 2 });
    expect(Object.keys((await api.call('GET', '/openapi.json', { key: null })).json().paths)).toEqual(expect.arrayContaining(['/api/v1/exams/qti', '/api/v1/exams/{examId}/versions/{version}']));
    const again = await upload(goodPackage(), '?examId=api-qti');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: 3, created: false });
  });

  it('refuses a broken package with 422 and every problem by file, item and line', async () => {
    const res = await upload(brokenPackage());
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('IMPORT_INVALID');
    expect(res.json().problems.map((p: { file: string; item: string; line: number }) => `${p.file}#${p.item}@${p.line}`)).toEqual([
      'items/match.xml#q-match@7', 'items/missing-choice.xml#q-missing-choice@4', 'items/malformed.xml#q-malformed@7',
    ]);
    expect((await env.sql`SELECT count(*)::int AS n FROM exams WHERE id = 'qti-broken'`)[0]!.n).toBe(0);
  });

  it('answers other content under a stored version with 409 CONFLICT naming the next free version', async () => {
    const res = await upload(goodPackage({ parisText: 'Paris, France' }), '?examId=api-qti&version=3');
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CONFLICT', detail: expect.stringContaining('version 4') });
  });

  it('refuses a body that is not a zip with 422, and a JSON body with 400', async () => {
    const notZip = await api.call('POST', '/api/v1/exams/qti', { body: 'hello', contentType: 'application/zip' });
    expect(notZip.statusCode).toBe(422);
    expect(notZip.json().problems[0].message).toContain('not a readable zip');
    expect((await api.call('POST', '/api/v1/exams/qti', { body: { a: 1 } })).statusCode).toBe(400);
  });
});

describe('exam versions', () => {
  it('reads one stored version without its keys, and 404 for a missing one', async () => {
    const res = await api.call('GET', '/api/v1/exams/api-qti/versions/3');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ examId: 'api-qti', version: 3, title: 'QTI demo exam', sections: [{ id: 'S1', timeLimitS: 600 }, { id: 'S2' }] });
    expect(body.questions.map((q: { id: string }) => q.id)).toEqual(['q-capital', 'q-primes', 'q-vowels', 'q-york', 'q-answer', 'q-essay']);
    expect(JSON.stringify(body)).not.toMatch(/"key"|Eboracum|Full marks/);
    const missing = await api.call('GET', '/api/v1/exams/api-qti/versions/9');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('refuses other content under a stored JSON version with 409', async () => {
    const exam = { ...DEMO_EXAM, id: 'api-json', version: 1 };
    expect((await api.call('POST', '/api/v1/exams', { body: exam })).statusCode).toBe(201);
    const res = await api.call('POST', '/api/v1/exams', { body: { ...exam, title: 'Another title' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.detail).toContain('version 2');
  });
});
