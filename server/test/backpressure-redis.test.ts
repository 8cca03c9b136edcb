import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { EVENTS, type Ack } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { tokenFor } from './helpers/node.js';
import { freePort, waitReady } from './helpers/processes.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { circuitState, sample, scrape, startCandidates, startRole, transitionsSeries, verifyNothingLost } from './helpers/faults.js';
import type { RecordingCandidate } from './helpers/candidates.js';

/**
 * Redis down or hung for one gateway (through a TcpProxy: the shared Redis is never touched) while
 * candidates keep answering through the real SDK. The promises under test: sockets stay connected,
 * refusals are retryable and quick once the circuit is open, the circuit opens and closes visibly,
 * memory stays bounded, and every acknowledged answer ends up committed.
 */
let env: TestEnv;
let proxy: TcpProxy;
let children: ChildProcess[] = [];
const OPEN = 2;
const CLOSED = 0;

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 12 });
  proxy = await TcpProxy.start({ port: Number(new URL(env.config.REDIS_URL).port || 6379) });
});
afterEach(() => {
  proxy.restore();
  for (const c of children) c.kill('SIGKILL');
  children = [];
});
afterAll(async () => {
  await proxy?.close();
  await env?.cleanup();
});

/** A gateway whose Redis (queue and adapter) goes through the proxy, and a worker on the real Redis. */
async function startStack(extra: Record<string, string>): Promise<number> {
  const port = await freePort();
  startRole(env, children, 'gateway', { PORT: String(port), REDIS_URL: proxy.urlFor(env.config.REDIS_URL), BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '1000', ...extra });
  startRole(env, children, 'worker', {});
  await waitReady(port, 30_000);
  return port;
}

function watch(candidates: RecordingCandidate[]) {
  const seen = { disconnects: 0, retryCodes: new Map<string, number>() };
  for (const c of candidates) {
    c.client.on('disconnected', () => seen.disconnects++);
    c.client.on('retrying', ({ error }) => seen.retryCodes.set(error.code, (seen.retryCodes.get(error.code) ?? 0) + 1));
  }
  return seen;
}

async function joinedRawSocket(port: number, candidateId: string) {
  const socket = rawConnect(port, await tokenFor(env.config, candidateId, env.seeded.sittingId));
  await connected(socket);
  const reply = await rawJoin(socket);
  const question = reply.paper!.questions.find((q) => q.type === 'numeric')!;
  let seq = 0;
  const save = async (): Promise<{ ack: Ack<unknown>; ms: number }> => {
    const started = performance.now();
    const ack = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: ++seq, value: { kind: 'numeric', value: seq } });
    return { ack, ms: performance.now() - started };
  };
  return { socket, save };
}

async function finish(candidates: RecordingCandidate[]) {
  await Promise.all(candidates.map((c) => c.stop()));
  await Promise.all(candidates.map((c) => c.client.waitUntilDrained(45_000)));
  const result = await verifyNothingLost(env, candidates);
  for (const c of candidates) await c.client.close();
  return result;
}

describe('Redis faults at a gateway', () => {
  it('Redis down: sockets stay up, answers get QUEUE_UNAVAILABLE at once, the SDK backs off, the circuit opens and closes, nothing is lost', async () => {
    const port = await startStack({ ENQUEUE_TIMEOUT_MS: '3000' });
    const candidates = await startCandidates(env, port, env.seeded.candidateIds.slice(0, 6), 40);
    const seen = watch(candidates);
    const raw = await joinedRawSocket(port, env.seeded.candidateIds[6]!);
    let resendAsked = 0; // answers waiting in the SDKs' backoff are called back when the circuit closes
    raw.socket.on(EVENTS.answersResend, () => resendAsked++);
    await waitFor(() => candidates.every((c) => c.acked.size > 2), 20_000, 'answers to be acknowledged');

    proxy.cut();
    const cutAt = Date.now();
    await waitFor(async () => (await circuitState(port, 'redis', 'answer-queue')) === OPEN, 15_000, 'the answer-queue circuit to open');
    const refused = await raw.save();
    expect(refused.ack).toMatchObject({ ok: false, error: { code: 'QUEUE_UNAVAILABLE', retryable: true } });
    expect(refused.ms).toBeLessThan(1000); // not ENQUEUE_TIMEOUT_MS
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ openCircuits: expect.arrayContaining(['redis/answer-queue']) });
    await waitFor(() => (seen.retryCodes.get('QUEUE_UNAVAILABLE') ?? 0) >= candidates.length, 15_000, 'the SDK to be told to retry');
    const waitingInOutboxes = candidates.map((c) => c.client.pendingCount());
    expect(waitingInOutboxes.some((n) => n > 0)).toBe(true); // answers wait in the outboxes
    await new Promise((r) => setTimeout(r, Math.max(0, cutAt + 4000 - Date.now()))); // a few seconds of outage, not an assertion

    proxy.restore();
    await waitFor(async () => (await circuitState(port, 'redis', 'answer-queue')) === CLOSED, 20_000, 'the answer-queue circuit to close');
    await waitFor(() => resendAsked > 0, 5_000, 'answers:resend after the circuit closed');
    expect((await raw.save()).ack).toMatchObject({ ok: true });
    const text = await scrape(port);
    expect(sample(text, transitionsSeries('redis', 'answer-queue', 'open'))).toBeGreaterThanOrEqual(1);
    expect(sample(text, transitionsSeries('redis', 'answer-queue', 'closed'))).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 10_000, 'the gateway to be ready again');

    expect(seen.disconnects).toBe(0);
    expect(raw.socket.connected).toBe(true);
    raw.socket.disconnect();
    const result = await finish(candidates);
    expect(result.acked).toBeGreaterThan(candidates.length * 3);
    expect(result.lost).toEqual([]);
    expect(result.dup).toBe(0);
  }, 120_000);

  it('Redis hung: the bounded buffer fills, new answers get OVERLOADED or QUEUE_UNAVAILABLE, then refusals come at once; all acked answers commit', async () => {
    const maxPending = 30;
    const port = await startStack({ ENQUEUE_TIMEOUT_MS: '1500', BATCH_MAX_PENDING: String(maxPending) });
    const candidates = await startCandidates(env, port, env.seeded.candidateIds.slice(7, 11), 40);
    const seen = watch(candidates);
    const raw = await joinedRawSocket(port, env.seeded.candidateIds[11]!);
    await waitFor(() => candidates.every((c) => c.acked.size > 2), 20_000, 'answers to be acknowledged');

    proxy.pause();
    // a burst larger than the buffer: what does not fit is refused at once, the rest waits for the timeout
    const burst = await Promise.all(Array.from({ length: maxPending * 2 }, () => raw.save()));
    const codes = burst.map((r) => (r.ack.ok ? 'ok' : r.ack.error.code));
    expect(codes).not.toContain('ok');
    expect(codes).toContain('OVERLOADED');
    expect(new Set(codes)).toEqual(new Set(codes.filter((c) => c === 'OVERLOADED' || c === 'QUEUE_UNAVAILABLE')));
    expect(burst.every((r) => !r.ack.ok && r.ack.error.retryable)).toBe(true);
    expect(Math.max(...burst.map((r) => r.ms))).toBeLessThan(1500 + 2000); // nothing waits past the enqueue timeout (plus scheduling slack)

    await waitFor(async () => (await circuitState(port, 'redis', 'answer-queue')) === OPEN, 15_000, 'the answer-queue circuit to open');
    const text = await scrape(port);
    expect(sample(text, 'examhall_answers_pending')).toBeLessThanOrEqual(maxPending);
    const quick = await raw.save();
    expect(quick.ack).toMatchObject({ ok: false, error: { code: 'QUEUE_UNAVAILABLE' } });
    expect(quick.ms).toBeLessThan(1000); // the circuit refuses without waiting the 1.5 s timeout

    proxy.restore();
    await waitFor(async () => (await circuitState(port, 'redis', 'answer-queue')) === CLOSED, 20_000, 'the answer-queue circuit to close');
    expect((await raw.save()).ack).toMatchObject({ ok: true });

    expect(seen.disconnects).toBe(0);
    expect(raw.socket.connected).toBe(true);
    raw.socket.disconnect();
    const result = await finish(candidates);
    expect(result.lost).toEqual([]);
    expect(result.dup).toBe(0);
  }, 120_000);
});
