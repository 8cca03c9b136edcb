import postgres from 'postgres';
import type { Config } from '../config/config.js';
import { metrics } from '../observability/metrics.js';

export type Sql = postgres.Sql<Record<string, never>>;

/**
 * One postgres.js pool whose search_path is examhall's schema; bigint columns come back as numbers (seq fits in 2^53).
 * JIT is off for these sessions: the statements big enough to trigger it (sweep-alerts, roster-snapshot)
 * spent most of their time compiling (sweep 738 ms, of it JIT 612 ms; 122 ms without JIT; more after
 * migration 009, see its measurements) and run once, so the compiled code never pays back.
 */
export function connectDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_SCHEMA' | 'PG_POOL_MAX'> & Partial<Pick<Config, 'PG_PLAN_CACHE_MODE'>>): Sql {
  metrics.poolMax.set(config.PG_POOL_MAX);
  return postgres(config.DATABASE_URL, {
    max: config.PG_POOL_MAX,
    connection: { search_path: config.DATABASE_SCHEMA, application_name: 'examhall', plan_cache_mode: config.PG_PLAN_CACHE_MODE ?? 'auto', jit: 'off' },
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
    },
  }) as unknown as Sql;
}
