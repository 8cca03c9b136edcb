import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connectRefusal, connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { seedDemo } from '../src/exam/seed.js';

let env: TestEnv;
const sockets: Socket[] = [];
const closers: (() => Promise<void>)[] = [];
const open = (port: number, token: unknown) => {
  const s = rawConnect(port, token);
  sockets.push(s);
  return s;
};
const token = (n: number, sitting = env.seeded.sittingId) => tokenFor(env.config, env.seeded.candidateIds[n]!, sitting);

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  for (const close of closers) await close();
  await env?.cleanup();
});

async function gateway(overrides: Parameters<typeof startTestNode>[2], role: 'all' | 'gateway' = 'all') {
  const node = await startTestNode(env.config, role, overrides);
  closers.push(node.close);
  return node;
}

describe('limits and degraded dependencies', () => {
  it('refuses connections beyond the per-process cap with GATEWAY_FULL (retryable)', async () => {
    const node = await gateway({ MAX_CONNECTIONS: 2 });
    for (const n of [0, 1]) await connected(open(node.port, await token(n)));
    const refusal = await connectRefusal(open(node.port, await token(2)));
    expect(refusal.data).toMatchObject({ code: 'GATEWAY_FULL', retryable: true });
  });

  it('refuses answers received after deadline + grace, by the server clock', async () => {
    await seedDemo(env.sql, { sittingId: 'short', candidates: 20, durationMinutes: 1 / 60, graceSeconds: 0 });
    const node = await gateway({});
    const s = open(node.port, await token(3, 'short'));
    await connected(s);
    const { attemptId, deadline } = await rawJoin(s);
    const onTime = await rawEmit(s, EVENTS.answerSave, { attemptId, questionId: 'q04', seq: 1, value: { kind: 'numeric', value: 1 } });
    expect(onTime).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, Math.max(0, deadline! - Date.now()) + 100));
    const late = await rawEmit(s, EVENTS.answerSave, { attemptId, questionId: 'q04', seq: 2, value: { kind: 'numeric', value: 2 } });
    expect(late).toMatchObject({ ok: false, error: { code: 'DEADLINE_PASSED', retryable: false } });
  });

  it('says QUEUE_UNAVAILABLE (retryable), never a false "queued", when Redis is unreachable', async () => {
    const node = await gateway({ REDIS_URL: 'redis://127.0.0.1:1', ENQUEUE_TIMEOUT_MS: 500 }, 'gateway');
    const s = open(node.port, await token(4));
    await connected(s);
    const { attemptId } = await rawJoin(s);
    const ack = await rawEmit(s, EVENTS.answerSave, { attemptId, questionId: 'q04', seq: 1, value: { kind: 'numeric', value: 1 } });
    expect(ack).toMatchObject({ ok: false, error: { code: 'QUEUE_UNAVAILABLE', retryable: true } });
    const ready = await fetch(`http://127.0.0.1:${node.port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ redis: false, postgres: true });
  });
});
