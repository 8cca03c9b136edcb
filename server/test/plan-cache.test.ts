/**
 * Every sitting starts with empty answers and alerts tables. With Postgres' default plan cache, a
 * prepared statement run five times while a table is small gets a generic plan that scans the table
 * whole, and keeps it after the table has grown (until the next ANALYZE): in bench:capacity the
 * alert sweep then ran for minutes over 20,000 attempts. Connections plan every execution instead.
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

describe('the plan cache of examhall connections', () => {
  it('never reuses a generic plan made while the answers table was empty', async () => {
    await env.sql`ANALYZE answers`;
    for (let i = 0; i < 10; i++) await runQuery(env.sql, 'attempt-answers', ['00000000-0000-0000-0000-000000000001']);
    const [row] = await env.sql<Array<{ generic_plans: number; custom_plans: number; mode: string }>>`
      SELECT generic_plans, custom_plans, current_setting('plan_cache_mode') AS mode
      FROM pg_prepared_statements WHERE statement LIKE '-- attempt-answers%'`;
    expect(row).toBeDefined();
    expect(row!.generic_plans).toBe(0); // with plan_cache_mode auto: 5 generic after 5 custom
    expect(row!.custom_plans).toBeGreaterThanOrEqual(10);
    expect(row!.mode).toBe('force_custom_plan');
  });
});
