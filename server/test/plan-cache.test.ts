/**
 * Every sitting starts with empty answers and alerts tables. Postgres gives a prepared statement
 * run five times a generic plan made with the table sizes of that moment and keeps it until the
 * next ANALYZE: after an ANALYZE of the empty tables, the alert sweep's plan scanned answers whole
 * for every attempt, and ran for minutes at 20,000 attempts in bench:capacity. Statements marked
 * `-- plan: each run` are never prepared, so they are planned with the tables' current size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../src/store/queries.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';

let env: TestEnv;

beforeAll(async () => {
  env = await createTestEnv({ PG_POOL_MAX: 1 }); // one connection: the statements below share its plan cache
});
afterAll(async () => {
  await env?.cleanup();
});

const preparedPlans = (header: string) =>
  env.sql<Array<{ generic_plans: number; custom_plans: number }>>`
    SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ${`-- ${header}:%`}`;

describe('the plan cache of examhall connections', () => {
  it('plans sweeps and answer reads at every run, while single-row lookups keep a prepared plan', async () => {
    await env.sql`ANALYZE answers, alerts, presence, attempts`;
    for (let i = 0; i < 8; i++) {
      await runQuery(env.sql, 'attempt-answers', ['00000000-0000-0000-0000-000000000001']);
      await runQuery(env.sql, 'sweep-alerts', [60, 600]);
      await runQuery(env.sql, 'sitting-summary', [env.seeded.sittingId]);
    }
    // the mechanism at work: a prepared statement switches to its generic plan after 5 runs
    const [summary] = await preparedPlans('sitting-summary');
    expect(summary?.generic_plans).toBeGreaterThan(0);
    // the statements over growing tables never get one
    expect(await preparedPlans('attempt-answers')).toEqual([]);
    expect(await preparedPlans('sweep-alerts')).toEqual([]);
  });
});
