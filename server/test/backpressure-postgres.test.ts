import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { EVENTS, type JoinReply } from '@examhall/shared';
import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { seedDemo } from '../src/exam/seed.js';
import { DEADLINE_QUEUE, DeadlineScheduler } from '../src/attempts/deadline-jobs.js';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { tokenFor } from './helpers/node.js';
import { freePort, waitReady } from './helpers/processes.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { answerJobCounts, circuitState, sample, scrape, startCandidates, startRole, transitionsSeries, verifyNothingLost } from './helpers/faults.js';

/**
 * Postgres down for a worker or for a gateway (through a TcpProxy: the shared Postgres is never
 * touched). Batches and due auto-submits wait in the queue and run after recovery without using up
 * their attempts; joins get STORE_UNAVAILABLE at once while the circuit is open and succeed after
 * recovery without anyone stepping in.
 */
let env: TestEnv;
let proxy: TcpProxy;
let children: ChildProcess[] = [];
const OPEN = 2;
const CLOSED = 0;
const BREAKER = { BREAKER_FAILURES: '2', BREAKER_COOLDOWN_MS: '1000', BREAKER_GATEWAY_PG_TIMEOUT_MS: '2000', BREAKER_WORKER_PG_TIMEOUT_MS: '3000' };

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 12 });
  proxy = await TcpProxy.start({ port: Number(new URL(env.config.DATABASE_URL).port || 5432) });
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

const viaProxy = () => proxy.urlFor(env.config.DATABASE_URL);
const outage = (ms: number) => new Promise((r) => setTimeout(r, ms)); // how long the dependency stays down: the scenario, not an assertion

async function withDeadlineQueue<T>(work: (queue: Queue) => Promise<T>): Promise<T> {
  const connection = new Redis(env.config.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(DEADLINE_QUEUE, { connection, prefix: env.config.REDIS_PREFIX });
  try {
    return await work(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

describe('Postgres faults', () => {
  it('down for the worker: batches wait in the queue, commit after recovery, nothing lost; the circuit opens and closes', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    startRole(env, children, 'gateway', { PORT: String(port) });
    startRole(env, children, 'worker', { DATABASE_URL: viaProxy(), METRICS_PORT: String(metricsPort), ...BREAKER });
    await waitReady(port, 30_000);
    const candidates = await startCandidates(env, port, env.seeded.candidateIds.slice(0, 6), 40);
    await waitFor(() => candidates.every((c) => c.acked.size > 2), 20_000, 'answers to be acknowledged');

    proxy.cut();
    await waitFor(async () => (await circuitState(metricsPort, 'postgres', 'worker')) === OPEN, 20_000, 'the worker circuit to open');
    await waitFor(async () => (await answerJobCounts(env)).wait! > 3, 15_000, 'batches to wait in the queue');
    await outage(3000);

    proxy.restore();
    await waitFor(async () => (await circuitState(metricsPort, 'postgres', 'worker')) === CLOSED, 20_000, 'the worker circuit to close');
    const text = await scrape(metricsPort);
    expect(sample(text, transitionsSeries('postgres', 'worker', 'open'))).toBeGreaterThanOrEqual(1);
    expect(sample(text, transitionsSeries('postgres', 'worker', 'closed'))).toBeGreaterThanOrEqual(1);

    await Promise.all(candidates.map((c) => c.stop()));
    await Promise.all(candidates.map((c) => c.client.waitUntilDrained(45_000)));
    await waitFor(async () => (await answerJobCounts(env)).wait === 0, 20_000, 'the queue to empty');
    const counts = await answerJobCounts(env);
    const result = await verifyNothingLost(env, candidates);
    for (const c of candidates) await c.client.close();
    expect(counts.failed).toBe(0); // no batch was parked as failed for the outage
    expect(result.acked).toBeGreaterThan(candidates.length * 3);
    expect(result.lost).toEqual([]);
    expect(result.dup).toBe(0);
  }, 120_000);

  it('down for the worker at a deadline: the auto-submit job waits and runs after recovery, using up no attempt', async () => {
    await seedDemo(env.sql, { sittingId: 'short', candidates: 12, durationMinutes: 3 / 60, graceSeconds: 1 });
    const port = await freePort();
    startRole(env, children, 'gateway', { PORT: String(port) });
    startRole(env, children, 'worker', { DATABASE_URL: viaProxy(), ...BREAKER });
    await waitReady(port, 30_000);
    const socket = rawConnect(port, await tokenFor(env.config, env.seeded.candidateIds[11]!, 'short'));
    await connected(socket);
    const reply = await rawJoin(socket);
    socket.disconnect();

    proxy.cut();
    // the job falls due (deadline + grace + settle) while Postgres is down
    await outage(Math.max(0, reply.deadline! + reply.graceMs + 3000 - Date.now()));
    const jobId = DeadlineScheduler.jobId(reply.attemptId, reply.deadline!);
    const during = await withDeadlineQueue((q) => q.getJobState(jobId));
    expect(['waiting', 'active', 'delayed', 'prioritized']).toContain(during); // not failed, not gone
    const [row] = await env.sql<{ status: string }[]>`SELECT status FROM attempts WHERE id = ${reply.attemptId}`;
    expect(row!.status).toBe('in_progress');

    proxy.restore();
    await waitFor(async () => (await withDeadlineQueue((q) => q.getJobState(jobId))) === 'completed', 30_000, 'the auto-submit job to complete');
    const [after] = await env.sql<{ status: string }[]>`SELECT status FROM attempts WHERE id = ${reply.attemptId}`;
    expect(after!.status).toBe('auto_submitted');
    const job = await withDeadlineQueue((q) => q.getJob(jobId));
    expect(job!.stacktrace ?? []).toEqual([]); // it never failed: it waited
  }, 90_000);

  it('down for a gateway: joins get STORE_UNAVAILABLE at once while the circuit is open, joined sockets keep answering, the SDK joins after recovery', async () => {
    const port = await freePort();
    startRole(env, children, 'gateway', { PORT: String(port), DATABASE_URL: viaProxy(), ...BREAKER });
    startRole(env, children, 'worker', {});
    await waitReady(port, 30_000);
    const joinedSocket = rawConnect(port, await tokenFor(env.config, env.seeded.candidateIds[6]!, env.seeded.sittingId));
    await connected(joinedSocket);
    const joinedReply = await rawJoin(joinedSocket);
    const fresh = rawConnect(port, await tokenFor(env.config, env.seeded.candidateIds[7]!, env.seeded.sittingId));
    await connected(fresh);

    proxy.cut();
    const join = async () => {
      const started = performance.now();
      const ack = await rawEmit<JoinReply>(fresh, EVENTS.join, { protocolVersion: 1 });
      return { ack, ms: performance.now() - started };
    };
    const first = await join();
    expect(first.ack).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', retryable: true } });
    await waitFor(async () => (await circuitState(port, 'postgres', 'gateway')) === OPEN || (await join(), false), 20_000, 'the gateway circuit to open');
    const refused = await join();
    expect(refused.ack).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', retryable: true } });
    expect(refused.ms).toBeLessThan(500); // at once, not after BREAKER_GATEWAY_PG_TIMEOUT_MS
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);

    // the answer path does not need Postgres at the gateway: a joined candidate keeps saving
    const question = joinedReply.paper!.questions.find((q) => q.type === 'numeric')!;
    const saved = await rawEmit(joinedSocket, EVENTS.answerSave, { attemptId: joinedReply.attemptId, questionId: question.id, seq: 1, value: { kind: 'numeric', value: 1 } });
    expect(saved).toMatchObject({ ok: true });

    // a candidate arriving now: its join() is refused, and the SDK keeps trying by itself
    const client = new ExamClient({ url: `http://127.0.0.1:${port}`, token: await tokenFor(env.config, env.seeded.candidateIds[8]!, env.seeded.sittingId), storage: new MemoryOutboxStorage() });
    const joinedLater = new Promise<JoinReply>((resolve) => client.on('joined', resolve));
    await client.connect();
    await expect(client.join()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    await outage(2000);

    proxy.restore();
    const reply = await joinedLater;
    expect(reply.status).toBe('in_progress');
    await waitFor(async () => (await circuitState(port, 'postgres', 'gateway')) === CLOSED, 20_000, 'the gateway circuit to close');
    expect((await join()).ack).toMatchObject({ ok: true });
    expect(joinedSocket.connected && fresh.connected && client.connected).toBe(true);
    const text = await scrape(port);
    expect(sample(text, transitionsSeries('postgres', 'gateway', 'open'))).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'examhall_joins_total{outcome="STORE_UNAVAILABLE"}')).toBeGreaterThanOrEqual(2);
    await client.close();
    joinedSocket.disconnect();
    fresh.disconnect();
  }, 90_000);

  it('hung for a gateway: a join waits no longer than BREAKER_GATEWAY_PG_TIMEOUT_MS, and once the circuit is open not at all', async () => {
    const port = await freePort();
    startRole(env, children, 'gateway', { PORT: String(port), DATABASE_URL: viaProxy(), ...BREAKER });
    startRole(env, children, 'worker', {});
    await waitReady(port, 30_000);
    const sockets = await Promise.all(
      env.seeded.candidateIds.slice(9, 12).map(async (id) => {
        const s = rawConnect(port, await tokenFor(env.config, id, env.seeded.sittingId));
        await connected(s);
        return s;
      }),
    );
    const join = async (s: (typeof sockets)[number]) => {
      const started = performance.now();
      const ack = await rawEmit<JoinReply>(s, EVENTS.join, { protocolVersion: 1 });
      return { ack, ms: performance.now() - started };
    };

    proxy.pause();
    const slow = await Promise.all(sockets.slice(0, 2).map(join)); // BREAKER_FAILURES = 2 timeouts
    for (const r of slow) {
      expect(r.ack).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE', retryable: true } });
      expect(r.ms).toBeGreaterThanOrEqual(1900);
      expect(r.ms).toBeLessThan(2000 + 3000); // the 2 s timeout, not the SDK's 10 s ack timeout
    }
    await waitFor(async () => (await circuitState(port, 'postgres', 'gateway')) === OPEN, 10_000, 'the gateway circuit to open');
    const quick = await join(sockets[2]!);
    expect(quick.ack).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect(quick.ms).toBeLessThan(500);

    proxy.restore();
    await waitFor(async () => (await circuitState(port, 'postgres', 'gateway')) === CLOSED, 20_000, 'the gateway circuit to close');
    expect((await join(sockets[2]!)).ack).toMatchObject({ ok: true });
    expect(sockets.every((s) => s.connected)).toBe(true);
    for (const s of sockets) s.disconnect();
  }, 90_000);
});
