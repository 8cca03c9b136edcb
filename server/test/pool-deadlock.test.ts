/**
 * A submit's transaction holds a pooled connection while it scores; the answer keys it needs are
 * loaded on first use. Loaded through the pool, that read waited for a connection that every
 * transaction in a submit stampede was holding: 40,000 submits in bench:capacity never finished.
 * With one pooled connection the first submit shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamClient } from '@examhall/client-sdk';
import { randomAnswer } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor, type TestNode } from './helpers/node.js';

let env: TestEnv;
let node: TestNode;

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config, 'all', { PG_POOL_MAX: 1 });
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

describe('a submit with a cold answer-key cache', () => {
  it('finishes with a single pooled connection', async () => {
    const client = new ExamClient({ url: `http://127.0.0.1:${node.port}`, token: await tokenFor(env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId), submitTimeoutMs: 8000, ackTimeoutMs: 4000 });
    try {
      await client.connect();
      const joined = await client.join();
      const question = joined.paper!.questions[0]!;
      // Papers are shuffled per candidate: the first question may be of any type.
      await client.saveAnswer(question.id, randomAnswer(question));
      const reply = await client.submit();
      expect(reply.status).toBe('submitted');
    } finally {
      await client.close();
    }
  });
});
