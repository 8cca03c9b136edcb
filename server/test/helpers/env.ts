import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config/config.js';
import { connectDatabase, type Sql } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { seedDemo, type SeedOptions } from '../../src/exam/seed.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestEnv {
  config: Config;
  sql: Sql;
  seeded: Awaited<ReturnType<typeof seedDemo>>;
  cleanup: () => Promise<void>;
}

/**
 * A real Postgres schema and Redis key prefix of this test file's own, migrated and seeded;
 * `cleanup` drops both. Nothing here is mocked.
 */
export async function createTestEnv(overrides: Partial<Config> = {}, seed: Partial<SeedOptions> = {}): Promise<TestEnv> {
  const id = randomBytes(5).toString('hex');
  const config = loadConfig(
    {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: `t_${id}`,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: `t-${id}`,
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      GATEWAY_ID: `test-${id}`,
      NODE_ENV: 'test',
      WORKER_LOCK_MS: '2000',
      PG_POOL_MAX: '4',
      TOKEN_SECRET: `test-secret-${id}-${randomBytes(16).toString('hex')}`,
      // every test client connects from 127.0.0.1: the per-address limit is tested on its own (test/security/)
      MAX_CONNECTIONS_PER_ADDRESS: '10000',
    },
    overrides,
  );
  const sql = connectDatabase(config);
  await migrate(sql, config.DATABASE_SCHEMA);
  const seeded = await seedDemo(sql, { candidates: 20, sittingId: 'test-sitting', ...seed });
  return {
    config,
    sql,
    seeded,
    cleanup: async () => {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${config.DATABASE_SCHEMA}" CASCADE`);
      await sql.end({ timeout: 5 });
      await deleteRedisKeys(config.REDIS_URL, `${config.REDIS_PREFIX}:*`);
    },
  };
}

export async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
