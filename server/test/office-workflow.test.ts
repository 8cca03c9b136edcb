/**
 * The exam office's workflow as the README tells it, from an empty schema to results, through the
 * real CLI (separate processes, files named relative to the caller's folder as `npm run examhall`
 * passes them) and a real gateway: QTI exam, roster, sitting, enrolment by slot, access codes,
 * a proctor account; candidates sign in with their codes, answer and submit through the SDK; then
 * item statistics, an essay graded, the export, and a frozen change refused.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { PROCTOR_SIGN_IN_PATH, SIGN_IN_PATH, randomAnswer } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, type TestNode } from './helpers/node.js';
import { runCli, waitReady } from './helpers/processes.js';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../examples/office');
const out = mkdtempSync(join(tmpdir(), 'office-'));
let env: TestEnv;
let node: TestNode;

/** `npm run examhall -- …` typed in examples/office: relative file names resolve there (INIT_CWD). */
async function examhall(...args: string[]): Promise<string> {
  const run = await runCli(env.config, args, { INIT_CWD: examples, USER: 'office' });
  expect(run.code, `examhall ${args.join(' ')}\n${run.stderr}`).toBe(0);
  return run.stdout;
}

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

it('takes an exam office from an empty schema to graded, exported results', async () => {
  expect(JSON.parse(await examhall('import', 'qti', 'sample-qti.zip', '--exam-id', 'tet-2026'))).toMatchObject({ examId: 'tet-2026', version: 1, created: true, questions: 6, sections: 2 });
  expect(JSON.parse(await examhall('import', 'roster', 'roster.csv'))).toMatchObject({ rows: 30, districts: 2, centers: 3, candidates: 30 });
  const opens = new Date(Date.now() - 60_000).toISOString();
  const closes = new Date(Date.now() + 3 * 3_600_000).toISOString();
  await examhall('sitting', 'create', '--id', 'tet-morning', '--exam', 'tet-2026', '--exam-version', '1', '--title', 'TET morning', '--opens', opens, '--closes', closes, '--duration', '60', '--slot', 'morning');
  expect(JSON.parse(await examhall('sitting', 'enrol', 'tet-morning', '--slot', 'morning'))).toMatchObject({ matched: 15, enrolled: 15 });
  const codes = (await examhall('access-codes', '--sitting', 'tet-morning')).trim().split('\n').slice(1).map((l) => l.split(','));
  expect(codes).toHaveLength(15);
  const password = (await examhall('proctor', 'create', '--id', 'pr-pune1', '--name', 'Pune 1')).trim();
  await examhall('proctor', 'scope', '--id', 'pr-pune1', '--sitting', 'tet-morning', '--center', 'pune-c01');

  // the sitting runs: candidates sign in with their codes at the gateway, answer and submit
  node = await startTestNode(env.config, 'all');
  await waitReady(node.port); // as a balancer would: /readyz once Redis and Postgres answer
  const base = `http://127.0.0.1:${node.port}`;
  for (const [candidateId, accessCode] of codes.slice(0, 3)) {
    const signIn = await fetch(`${base}${SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sittingId: 'tet-morning', candidateId, accessCode }) });
    expect(signIn.status, await signIn.clone().text()).toBe(200);
    const client = new ExamClient({ url: base, token: ((await signIn.json()) as { token: string }).token, storage: new MemoryOutboxStorage() });
    try {
      await client.connect();
      const { paper } = await client.join();
      for (const q of paper!.questions) await client.saveAnswer(q.id, randomAnswer(q));
      await client.waitUntilDrained(20_000);
      expect((await client.submit()).status).toBe('submitted');
    } finally {
      await client.close();
    }
  }
  const proctor = await fetch(`${base}${PROCTOR_SIGN_IN_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sittingId: 'tet-morning', proctorId: 'pr-pune1', password }) });
  expect(proctor.status).toBe(200);
  expect(((await proctor.json()) as { scope: { centers: string[] } }).scope.centers).toEqual(['pune-c01']);

  // results: statistics, an essay graded, the export
  const stats = JSON.parse(await examhall('results', 'stats', '--sitting', 'tet-morning', '--json')) as { attempts: number; items: Array<{ questionId: string; pending: number }> };
  expect(stats.attempts).toBe(3);
  expect(stats.items.find((i) => i.questionId === 'q-essay')?.pending).toBe(3);
  const essay = JSON.parse((await examhall('results', 'essays', '--sitting', 'tet-morning', '--limit', '1')).split('\n')[0]!) as { attemptId: string; questionId: string };
  expect(JSON.parse(await examhall('results', 'grade', '--attempt', essay.attemptId, '--question', essay.questionId, '--points', '4'))).toMatchObject({ points: 4, scoringStatus: 'scored' });
  await examhall('results', 'export', '--sitting', 'tet-morning', '--format', 'csv', '--out', join(out, 'tet.csv'));
  const rows = readFileSync(join(out, 'tet.csv'), 'utf8').trim().split('\n');
  expect(rows[0]).toMatch(/^candidate_id,candidate_name,district,center,batch,slot,status/);
  expect(rows.slice(1).filter((r) => r.includes(',submitted,'))).toHaveLength(3);

  // the window is open: timing is frozen unless an override gives a reason
  const frozen = await runCli(env.config, ['sitting', 'update', 'tet-morning', '--duration', '30']);
  expect(frozen.code).toBe(2);
  expect(frozen.stderr).toContain('CHANGE_FROZEN');
  await examhall('sitting', 'update', 'tet-morning', '--duration', '70', '--override', 'board order 17');
}, 120_000);
