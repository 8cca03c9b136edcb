/**
 * QTI 3.0 package import against real Postgres: every supported interaction lands as content and
 * keys apart, the candidate's paper carries no key, the stored keys score answers as expected;
 * a broken package is refused with every problem by file, item and line and nothing stored;
 * stored versions are immutable (QTI and JSON alike); zip limits and path traversal.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportInvalidError, type AnswerValue } from '@examhall/shared';
import { importQtiPackage } from '../src/exam/qti/import-qti.js';
import { importExamDefinition } from '../src/exam/import.js';
import { buildPaper, ExamContentCache, ExamKeyCache } from '../src/exam/content.js';
import { scoreAttempt } from '../src/exam/scoring.js';
import { DEMO_EXAM } from '../src/exam/demo-exam.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { brokenPackage, goodPackage, hiddenPartsPackage, lineOf, writeZip, zipBuffer } from './helpers/qti-fixtures.js';

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

async function refusal(promise: Promise<unknown>): Promise<ImportInvalidError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ImportInvalidError);
  return err as ImportInvalidError;
}

describe('a package with every supported interaction', () => {
  it('stores sections, content and keys apart', async () => {
    const result = await importQtiPackage(env.sql, await writeZip(goodPackage()));
    expect(result).toEqual({ examId: 'qti-demo', version: 1, created: true, questions: 6, sections: 2 });

    const [exam] = await env.sql<Array<{ title: string; content: { sections: unknown; questions: Array<Record<string, unknown>> } }>>`
      SELECT title, content FROM exams WHERE id = 'qti-demo' AND version = 1`;
    expect(exam!.title).toBe('QTI demo exam');
    expect(exam!.content.sections).toEqual([{ id: 'S1', title: 'Part one', timeLimitS: 600 }, { id: 'S2', title: 'Part two' }]);
    expect(exam!.content.questions).toEqual([
      { id: 'q-capital', type: 'single', section: 'S1', points: 2, prompt: 'Geography. Which city is the capital of France?', options: [{ id: 'A', text: 'Lyon' }, { id: 'B', text: 'Paris' }, { id: 'C', text: 'Nice' }] },
      { id: 'q-primes', type: 'multiple', section: 'S1', points: 3, prompt: 'Which numbers are prime?', options: [{ id: 'P2', text: '2' }, { id: 'P3', text: '3' }, { id: 'P4', text: '4' }] },
      { id: 'q-vowels', type: 'multiple', section: 'S1', points: 1, prompt: 'Which letters are vowels?', options: [{ id: 'VA', text: 'a' }, { id: 'VB', text: 'b' }, { id: 'VE', text: 'e' }] },
      { id: 'q-york', type: 'text', section: 'S2', points: 1, prompt: 'Identify the missing word: Old ____ is a city in England.' },
      { id: 'q-answer', type: 'numeric', section: 'S2', points: 1, prompt: 'Six times seven is ____ .' },
      { id: 'q-essay', type: 'essay', section: 'S2', points: 5, prompt: 'Explain why exams have time limits.' },
    ]);

    const keys = await env.sql<Array<{ question_id: string; key: unknown }>>`
      SELECT question_id, key FROM exam_keys WHERE exam_id = 'qti-demo' AND exam_version = 1 ORDER BY question_id`;
    expect(Object.fromEntries(keys.map((k) => [k.question_id, k.key]))).toEqual({
      'q-capital': { type: 'single', optionId: 'B' },
      'q-primes': { type: 'multiple', optionIds: ['P2', 'P3'], partialCredit: true },
      'q-vowels': { type: 'multiple', optionIds: ['VA', 'VE'], partialCredit: false },
      'q-york': { type: 'text', accepted: ['York', 'Eboracum'], caseSensitive: false },
      'q-answer': { type: 'numeric', value: 42, tolerance: 0 },
      'q-essay': { type: 'essay', rubric: 'Full marks for two reasons, each explained.' },
    });
  });

  it("never puts a key in the candidate's paper", async () => {
    const content = await new ExamContentCache(env.sql).get('qti-demo', 1);
    const paper = JSON.stringify(buildPaper(content, randomUUID()));
    expect(paper).toContain('Which city is the capital of France?');
    for (const secret of ['"key"', 'optionId', 'accepted', 'Eboracum', 'York"', '42', 'Full marks', 'partialCredit']) expect(paper).not.toContain(secret);
  });

  it('scores answers through the stored keys', async () => {
    const content = await new ExamContentCache(env.sql).get('qti-demo', 1);
    const keys = await new ExamKeyCache(env.sql).get('qti-demo', 1);
    const answers = new Map<string, AnswerValue>([
      ['q-capital', { kind: 'choice', optionIds: ['B'] }],
      ['q-primes', { kind: 'choice', optionIds: ['P2'] }], // half the primes, with a mapping: partial credit
      ['q-vowels', { kind: 'choice', optionIds: ['VA'] }], // half the vowels, no mapping: nothing
      ['q-york', { kind: 'text', text: '  eboracum ' }],
      ['q-answer', { kind: 'numeric', value: 42 }],
      ['q-essay', { kind: 'text', text: 'Fairness and logistics.' }],
    ]);
    const scored = scoreAttempt(content.questions, keys, answers);
    expect(Object.fromEntries(scored.questions.map((q) => [q.questionId, q.points]))).toEqual({ 'q-capital': 2, 'q-primes': 1.5, 'q-vowels': 0, 'q-york': 1, 'q-answer': 1, 'q-essay': 0 });
    expect(scored).toMatchObject({ score: 5.5, maxScore: 13, status: 'pending_manual' });
    const wrong = scoreAttempt(content.questions, keys, new Map<string, AnswerValue>([['q-capital', { kind: 'choice', optionIds: ['A'] }], ['q-answer', { kind: 'numeric', value: 41 }], ['q-york', { kind: 'text', text: 'Lancaster' }]]));
    expect(wrong.score).toBe(0);
  });
});

describe('what a candidate must not see', () => {
  it('keeps feedback and scorer rubrics out of prompts and options, puts a shared stimulus first; reads MAXSCORE points and a numeric tolerance', async () => {
    expect(await importQtiPackage(env.sql, await writeZip(hiddenPartsPackage()))).toMatchObject({ created: true, questions: 2 });
    const [exam] = await env.sql<Array<{ content: { questions: Array<Record<string, unknown>> } }>>`SELECT content FROM exams WHERE id = 'qti-hidden'`;
    expect(exam!.content.questions[0]).toMatchObject({ prompt: 'A passage about letters. Read carefully. Pick the vowel.', points: 4, options: [{ id: 'A', text: 'a' }, { id: 'B', text: 'b' }] });
    expect(JSON.stringify(exam!.content)).not.toMatch(/Secret|correct answer|Right, a/);
    const keys = await new ExamKeyCache(env.sql).get('qti-hidden', 1);
    expect(keys.get('h-number')).toEqual({ type: 'numeric', value: 3.14, tolerance: 0.01 });
  });

  it('refuses a picture it could not show, by line', async () => {
    const files = hiddenPartsPackage(true);
    const err = await refusal(importQtiPackage(env.sql, await writeZip(files), { examId: 'qti-hidden-img' }));
    expect(err.problems).toEqual([{ file: 'choice.xml', item: 'h-choice', line: lineOf(files['choice.xml']!, '<img'), message: expect.stringContaining('<img> cannot be shown') }]);
  });
});

describe('versions', () => {
  it('answers the same package again as unchanged, with or without --version', async () => {
    const zip = await writeZip(goodPackage());
    expect(await importQtiPackage(env.sql, zip)).toMatchObject({ version: 1, created: false });
    expect(await importQtiPackage(env.sql, zip, { version: 1 })).toMatchObject({ version: 1, created: false });
  });

  it('refuses other content under a stored version, naming the next free one; without --version it becomes that one', async () => {
    const changed = await writeZip(goodPackage({ parisText: 'Paris (Île-de-France)' }));
    await expect(importQtiPackage(env.sql, changed, { version: 1 })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('version 2') });
    expect(await importQtiPackage(env.sql, changed)).toMatchObject({ examId: 'qti-demo', version: 2, created: true });
    expect(await importQtiPackage(env.sql, changed, { examId: 'qti-other', version: 7 })).toMatchObject({ examId: 'qti-other', version: 7, created: true });
    const [v1] = await env.sql`SELECT content FROM exams WHERE id = 'qti-demo' AND version = 1`;
    expect(JSON.stringify(v1!.content)).not.toContain('Île-de-France');
  });

  it('holds the JSON import to the same rule', async () => {
    const exam = { ...DEMO_EXAM, id: 'json-versioned', version: 1 };
    expect(await importExamDefinition(env.sql, exam)).toBe(true);
    expect(await importExamDefinition(env.sql, JSON.parse(JSON.stringify(exam)))).toBe(false);
    const otherKey = { ...exam, questions: exam.questions.map((q, i) => (i === 0 ? { ...q, points: q.points + 1 } : q)) };
    await expect(importExamDefinition(env.sql, otherKey)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('version 2') });
  });
});

describe('a broken package', () => {
  it('is refused with every problem by file, item and line, and nothing is stored', async () => {
    const files = brokenPackage();
    const err = await refusal(importQtiPackage(env.sql, await writeZip(files)));
    expect(err.code).toBe('IMPORT_INVALID');
    expect(err.problems).toEqual([
      { file: 'items/match.xml', item: 'q-match', line: lineOf(files['items/match.xml']!, '<qti-match-interaction'), message: expect.stringContaining('qti-match-interaction is not supported') },
      { file: 'items/missing-choice.xml', item: 'q-missing-choice', line: lineOf(files['items/missing-choice.xml']!, '<qti-value>Z'), message: expect.stringContaining('names choice Z') },
      { file: 'items/malformed.xml', item: 'q-malformed', line: lineOf(files['items/malformed.xml']!, 'An unclosed'), message: expect.stringContaining('malformed XML') },
    ]);
    expect((await env.sql`SELECT count(*)::int AS n FROM exams WHERE id = 'qti-broken'`)[0]!.n).toBe(0);
  });

  it('refuses test features it cannot honour (a whole-test time limit) rather than dropping them', async () => {
    const files = goodPackage();
    files['tests/test.xml'] = files['tests/test.xml']!.replace('  <qti-test-part', '  <qti-time-limits max-time="3600"/>\n  <qti-test-part');
    const err = await refusal(importQtiPackage(env.sql, await writeZip(files), { examId: 'qti-timed' }));
    expect(err.problems).toEqual([{ file: 'tests/test.xml', line: lineOf(files['tests/test.xml']!, '<qti-time-limits max-time="3600"'), message: expect.stringContaining('whole test') }]);
  });

  it('names a missing item file at its reference, and a missing manifest', async () => {
    const files = goodPackage();
    delete files['items/essay.xml'];
    const err = await refusal(importQtiPackage(env.sql, await writeZip(files)));
    expect(err.problems).toEqual([{ file: 'tests/test.xml', item: 'q-essay', line: lineOf(files['tests/test.xml']!, 'identifier="q-essay"'), message: 'items/essay.xml is not in the package' }]);
    const noManifest = await refusal(importQtiPackage(env.sql, await writeZip({ 'test.xml': '<x/>' })));
    expect(noManifest.problems[0]).toMatchObject({ file: 'imsmanifest.xml', message: expect.stringContaining('not in the package') });
  });
});

describe('the zip itself', () => {
  it('refuses a file that is not a zip, a zip bomb past the cap, and names that climb out of the package', async () => {
    const notZip = `${await writeZip({})}.txt`;
    writeFileSync(notZip, 'just text');
    expect((await refusal(importQtiPackage(env.sql, notZip))).problems[0]!.message).toContain('not a readable zip');

    // 2 MB of one repeated byte deflates to a few KB; the cap counts inflated bytes
    const bomb = await writeZip({ ...goodPackage(), 'padding.xml': `<pad>${' '.repeat(2_000_000)}</pad>` });
    const capped = await refusal(importQtiPackage(env.sql, bomb, { zipLimits: { maxEntries: 100, maxTotalBytes: 1_000_000 } }));
    expect(capped.problems[0]!.message).toContain('more than 1000000 bytes');
    expect((await refusal(importQtiPackage(env.sql, bomb, { zipLimits: { maxEntries: 3, maxTotalBytes: 1e9 } }))).problems[0]!.message).toContain('at most 3');

    // yazl refuses to write `..` names, so rename an entry in the finished bytes (same length, CRCs unaffected)
    const evil = Buffer.from((await zipBuffer({ ...goodPackage(), 'zz/evil.xml': '<x/>' })).toString('latin1').replaceAll('zz/evil.xml', '../evil.xml'), 'latin1');
    const evilPath = `${await writeZip({})}.evil.zip`;
    writeFileSync(evilPath, evil);
    expect((await refusal(importQtiPackage(env.sql, evilPath))).problems[0]!.message).toMatch(/relative path|leaves the package/);
  });
});
