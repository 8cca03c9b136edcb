import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { FileOutboxStorage } from '@examhall/client-sdk/node';
import { EVENTS, randomAnswer, type AnswerValue } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { freePort } from './helpers/processes.js';

let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let dir: string;
const clients: ExamClient[] = [];
const url = () => `http://127.0.0.1:${node.port}`;
const token = (n: number) => tokenFor(env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId);
const client = (options: ConstructorParameters<typeof ExamClient>[0]) => {
  const c = new ExamClient(options);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
  dir = await mkdtemp(join(tmpdir(), 'examhall-outbox-'));
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await node?.close();
  await env?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

async function storedAnswers(attemptId: string) {
  const rows = await env.sql.unsafe<{ question_id: string; seq: number; value: AnswerValue }[]>(
    'SELECT question_id, seq, value FROM answers WHERE attempt_id = $1',
    [attemptId],
  );
  return new Map(rows.map((r) => [r.question_id, { seq: r.seq, value: r.value }]));
}

describe('the answer path through the SDK and a real gateway', () => {
  it('every saved answer is queued, then committed, and stored at its latest seq', async () => {
    const c = client({ url: url(), token: await token(0), storage: new MemoryOutboxStorage() });
    const queued: number[] = [];
    const committed: number[] = [];
    c.on('queued', ({ seq }) => queued.push(seq));
    c.on('committed', ({ seq }) => committed.push(seq));
    await c.connect();
    const { attemptId, paper: joinedPaper } = await c.join();
    const paper = joinedPaper!;

    const expected = new Map<string, { seq: number; value: AnswerValue }>();
    for (let round = 0; round < 3; round++) {
      for (const q of paper.questions) {
        const value = randomAnswer(q);
        const { seq } = await c.saveAnswer(q.id, value);
        expected.set(q.id, { seq, value });
      }
    }
    await c.waitUntilDrained(15_000);
    expect(c.pendingCount()).toBe(0);
    expect(queued.length).toBeGreaterThanOrEqual(paper.questions.length);
    expect(committed.length).toBeGreaterThanOrEqual(paper.questions.length);
    expect(await storedAnswers(attemptId)).toEqual(expected);
    for (const [questionId, known] of c.answers()) expect(known).toMatchObject({ ...expected.get(questionId), state: 'committed' });
  });

  it('answers saved while the gateway is unreachable survive a reload and are delivered after it', async () => {
    const tok = await token(1);
    const storage = new FileOutboxStorage(dir);
    const offline = client({ url: `http://127.0.0.1:${await freePort()}`, token: tok, storage });
    const saved = [
      await offline.saveAnswer('q04', { kind: 'numeric', value: 24 }),
      await offline.saveAnswer('q10', { kind: 'text', text: 'Mumbai' }),
    ];
    await offline.close(); // the tab is closed before anything was sent

    const reloaded = client({ url: url(), token: tok, storage: new FileOutboxStorage(dir) });
    await reloaded.connect();
    const { attemptId } = await reloaded.join();
    await reloaded.waitUntilDrained(15_000);
    const stored = await storedAnswers(attemptId);
    // saved before any join, they are renumbered above whatever the server held, so they win
    expect(stored.get('q04')).toMatchObject({ value: { kind: 'numeric', value: 24 } });
    expect(stored.get('q10')).toMatchObject({ value: { kind: 'text', text: 'Mumbai' } });
    expect(stored.get('q04')!.seq).toBeGreaterThanOrEqual(saved[0]!.seq);
    expect(reloaded.pendingCount()).toBe(0);
  });

  it('a replayed frame is harmless: stored once, logged once', async () => {
    const s = rawConnect(node.port, await token(2));
    await connected(s);
    const { attemptId } = await rawJoin(s);
    const frame = { attemptId, questionId: 'q08', seq: 4, value: { kind: 'numeric', value: 36 } };
    const acks = await Promise.all([rawEmit(s, EVENTS.answerSave, frame), rawEmit(s, EVENTS.answerSave, frame)]);
    expect(acks.every((a) => a.ok)).toBe(true);
    const older = await rawEmit(s, EVENTS.answerSave, { ...frame, seq: 3, value: { kind: 'numeric', value: 1 } });
    expect(older.ok).toBe(true); // accepted, but it can never replace seq 4
    await new Promise<void>((resolve) => {
      const check = async () => ((await storedAnswers(attemptId)).get('q08') ? resolve() : setTimeout(check, 50));
      void check();
    });
    await new Promise((r) => setTimeout(r, 300));
    expect((await storedAnswers(attemptId)).get('q08')).toEqual({ seq: 4, value: { kind: 'numeric', value: 36 } });
    const events = await env.sql.unsafe('SELECT seq FROM answer_events WHERE attempt_id = $1 ORDER BY seq', [attemptId]);
    expect(events.map((e) => e.seq)).toEqual([3, 4]);
    s.disconnect();
  });
});
