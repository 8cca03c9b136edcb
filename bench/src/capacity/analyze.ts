import type { Backend } from '../answers/stack.js';

/**
 * ANALYZE of the run's tables that hold rows, as autovacuum would do within a minute of 40,000 new
 * attempts in production. This machine's Postgres runs with autovacuum off: without it the planner
 * keeps the statistics of empty tables and picks plans for 100 rows (seen: a proctor snapshot of
 * 19 s). Empty tables are left alone, as autovacuum leaves them: statistics saying "0 rows" make
 * the next generic plans scan such a table whole however much it grows later.
 */
export async function analyzeSchema(b: Backend, when: string, log: (line: string) => void): Promise<void> {
  const started = performance.now();
  const schema = b.config.DATABASE_SCHEMA;
  const tables = await b.sql<Array<{ tablename: string }>>`SELECT tablename FROM pg_tables WHERE schemaname = ${schema}`;
  let analyzed = 0;
  for (const { tablename } of tables) {
    const [row] = await b.sql.unsafe<Array<{ has_rows: boolean }>>(`SELECT EXISTS (SELECT 1 FROM "${schema}"."${tablename}") AS has_rows`);
    if (!row?.has_rows) continue;
    await b.sql.unsafe(`ANALYZE "${schema}"."${tablename}"`);
    analyzed++;
  }
  log(`capacity: ANALYZE ${when}: ${analyzed} of ${tables.length} tables (the others are empty) in ${Math.round(performance.now() - started)} ms`);
}
