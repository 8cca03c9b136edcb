import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';

/** /metrics in Prometheus text format, on a gateway's port and on a worker's METRICS_PORT. */
let env: TestEnv;
let gateway: Awaited<ReturnType<typeof startTestNode>>;
let worker: Awaited<ReturnType<typeof startTestNode>>;
const workerPort = 20_000 + Math.floor(Math.random() * 20_000);

beforeAll(async () => {
  env = await createTestEnv();
  gateway = await startTestNode(env.config, 'gateway');
  worker = await startTestNode(env.config, 'worker', { METRICS_PORT: workerPort });
});
afterAll(async () => {
  await gateway?.close();
  await worker?.close();
  await env?.cleanup();
});

/** The value of one sample line, e.g. `examhall_connections{namespace="candidate"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('counts connections, joins, queued and committed answers, batches, ack latency and the queue', async () => {
    const socket = rawConnect(gateway.port, await tokenFor(env.config, 'cand-000001', env.seeded.sittingId));
    await connected(socket);
    const reply = await rawJoin(socket);
    const question = reply.paper!.questions.find((q) => q.type === 'numeric')!;
    const saved = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: 1, value: { kind: 'numeric', value: 3 } });
    expect(saved.ok).toBe(true);
    const refused = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: 'nope', seq: 2, value: { kind: 'numeric', value: 3 } });
    expect(refused.ok).toBe(false);

    const response = await fetch(`http://127.0.0.1:${gateway.port}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await response.text();
    expect(sample(text, 'examhall_connections{namespace="candidate"}')).toBe(1);
    expect(sample(text, 'examhall_joins_total{outcome="ok"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'examhall_answers_queued_total')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'examhall_answers_refused_total{code="QUESTION_UNKNOWN"}')).toBe(1);
    expect(sample(text, 'examhall_answer_ack_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'examhall_batch_answers_count{stage="enqueued"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^examhall_queue_jobs\{state="wait"\} \d+/m);
    expect(text).toMatch(/^examhall_nodejs_eventloop_lag_seconds \d/m);
    expect(sample(text, 'examhall_pg_pool_max')).toBe(env.config.PG_POOL_MAX);

    // the worker (its own process in production; here the same registry) serves /metrics on METRICS_PORT
    const workerText = await waitFor(async () => {
      const t = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
      return (sample(t, 'examhall_answers_committed_total') ?? 0) >= 1 ? t : undefined;
    }, 10_000, 'a committed answer in the worker metrics');
    expect(sample(workerText, 'examhall_flush_seconds_count')).toBeGreaterThanOrEqual(1);
    expect((await fetch(`http://127.0.0.1:${workerPort}/other`)).status).toBe(404);
    socket.disconnect();
  });
});
