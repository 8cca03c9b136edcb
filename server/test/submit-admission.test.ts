/**
 * A submit stampede must not queue unbounded transactions behind the Postgres pool: beyond
 * SUBMITS_IN_FLIGHT_MAX a submit waits in a short queue, beyond SUBMITS_WAITING_MAX it is refused
 * at once with the retryable OVERLOADED, the SDK resends it, and every attempt ends submitted,
 * without the Postgres circuit opening.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamClient } from '@examhall/client-sdk';
import { randomAnswer } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor, type TestNode } from './helpers/node.js';
import { sample, scrape, transitionsSeries } from './helpers/faults.js';
import { SubmitAdmission } from '../src/gateway/submit-admission.js';

let env: TestEnv;
let node: TestNode;

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config, 'all', { PG_POOL_MAX: 2, SUBMITS_IN_FLIGHT_MAX: 1, SUBMITS_WAITING_MAX: 2 });
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

describe('submits beyond SUBMITS_IN_FLIGHT_MAX + SUBMITS_WAITING_MAX', () => {
  it('are refused with OVERLOADED and resent by the SDK until every attempt is submitted', async () => {
    const url = `http://127.0.0.1:${node.port}`;
    const clients = await Promise.all(env.seeded.candidateIds.slice(0, 12).map(async (id) =>
      new ExamClient({ url, token: await tokenFor(env.config, id, env.seeded.sittingId), submitTimeoutMs: 30_000 })));
    try {
      await Promise.all(clients.map(async (client) => {
        await client.connect();
        const joined = await client.join();
        const question = joined.paper!.questions[0]!;
        await client.saveAnswer(question.id, randomAnswer(question));
      }));
      const replies = await Promise.all(clients.map((client) => client.submit()));
      expect(replies.map((r) => r.status)).toEqual(clients.map(() => 'submitted'));

      const metrics = await scrape(node.port);
      expect(sample(metrics, 'examhall_submits_refused_overloaded_total')).toBeGreaterThan(0);
      expect(sample(metrics, transitionsSeries('postgres', 'gateway', 'open')) ?? 0).toBe(0);
      const [row] = await env.sql<Array<{ n: number }>>`SELECT count(*)::int AS n FROM attempts WHERE status = 'submitted'`;
      expect(row!.n).toBe(clients.length);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
    }
  }, 60_000);
});

describe('SubmitAdmission', () => {
  it('hands a freed slot to the oldest waiter, and refuses when the queue is full or a wait is too long', async () => {
    const admission = new SubmitAdmission(1, 2, 300);
    const order: string[] = [];
    let release!: () => void;
    const first = admission.run(() => new Promise<void>((r) => (release = r)).then(() => order.push('first')));
    const second = admission.run(async () => order.push('second'));
    const third = admission.run(async () => order.push('third'));
    expect(admission.full).toBe(true);
    await expect(admission.run(async () => order.push('fourth'))).rejects.toMatchObject({ code: 'OVERLOADED' });
    release();
    await Promise.all([first, second, third]);
    expect(order).toEqual(['first', 'second', 'third']);

    let hold!: () => void;
    const busy = admission.run(() => new Promise<void>((r) => (hold = r)));
    await expect(admission.run(async () => 'late')).rejects.toMatchObject({ code: 'OVERLOADED' }); // waited 300 ms
    hold();
    await busy;
    expect(await admission.run(async () => 'free again')).toBe('free again');
  });
});
