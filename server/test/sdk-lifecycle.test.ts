import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { randomAnswer, type JoinReply } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { seedDemo } from '../src/exam/seed.js';
import { startSitting } from '../src/attempts/start-signal.js';

/** The lifecycle through the real SDK against a real gateway and worker. */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
const clients: ExamClient[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await node?.close();
  await env?.cleanup();
});

async function client(candidate: string, sittingId = env.seeded.sittingId, options: Partial<ConstructorParameters<typeof ExamClient>[0]> = {}) {
  const c = new ExamClient({ url: `http://127.0.0.1:${node.port}`, token: await tokenFor(env.config, candidate, sittingId), storage: new MemoryOutboxStorage(), ...options });
  clients.push(c);
  return c;
}

describe('the SDK against the real server', () => {
  it('shows the right remaining time when the device clock is off by hours', async () => {
    const skewMs = -3 * 3_600_000; // the device thinks it is three hours earlier
    const c = await client('cand-000001', undefined, { now: () => Date.now() + skewMs });
    await c.connect();
    const reply = await c.join();
    await waitFor(() => Math.abs(c.clockOffsetMs + skewMs) < 200, 5000, 'clock sync');
    expect(Math.abs(c.serverNow() - Date.now())).toBeLessThan(1000);
    expect(Math.abs(c.remainingMs()! - (reply.deadline! - Date.now()))).toBeLessThan(1000);
  });

  it('submit carries answers still in flight; everything lands in the final result', async () => {
    const c = await client('cand-000002');
    await c.connect();
    const { paper, attemptId } = await c.join();
    for (const q of paper!.questions) await c.saveAnswer(q.id, randomAnswer(q));
    const result = await c.submit(); // no waiting for "committed" first
    expect(result.status).toBe('submitted');
    const [row] = await env.sql.unsafe('SELECT count(*)::int AS n FROM answers WHERE attempt_id = $1', [attemptId]);
    expect(row!.n).toBe(paper!.questions.length);
    expect(c.status).toBe('submitted');
  });

  it('a second device takes over and the first does not steal it back', async () => {
    const first = await client('cand-000003');
    await first.connect();
    await first.join();
    const replaced = new Promise((resolve) => first.once('replaced', resolve));
    const second = await client('cand-000003');
    await second.connect();
    await second.join();
    await replaced;
    await new Promise((r) => setTimeout(r, 1500));
    expect(first.connected).toBe(false);
    expect(second.connected).toBe(true);
    const { seq } = await second.saveAnswer('q04', { kind: 'numeric', value: 24 });
    await second.waitUntilDrained(10_000);
    expect(seq).toBeGreaterThan(0);
  });

  it('waits in the lobby and gets its paper from the start signal; answers saved in the lobby are delivered', async () => {
    await seedDemo(env.sql, { sittingId: 'sdk-lobby', candidates: 20, startMode: 'signal' });
    const c = await client('cand-000004', 'sdk-lobby');
    await c.connect();
    expect((await c.join()).status).toBe('lobby');
    expect(c.remainingMs()).toBeNull();
    const started = new Promise<JoinReply>((resolve) => c.once('started', resolve));
    await startSitting({ sql: env.sql, ...node.attempts }, 'sdk-lobby', 'test');
    const reply = await started;
    expect(reply.paper!.questions.length).toBeGreaterThan(0);
    expect(c.remainingMs()).toBeGreaterThan(80 * 60_000);
    await c.saveAnswer('q04', { kind: 'numeric', value: 24 });
    await c.waitUntilDrained(10_000);
  });
});
