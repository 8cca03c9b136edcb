/**
 * npm run -s -w @examhall/bench storage-flush-ab -- [--attempts N] [--batches K] [--batch B]
 * The worker's flush (flushAnswers, a prepared statement, as in production) against two schemas filled
 * alike: A migrated without 009 (answers unpartitioned), B with it. Batches alternate A, B, B, A, …
 * so that load from anything else on the box falls on both alike. Each batch is B versions over B/2
 * attempts, every one a new seq (an insert into answer_events and an update of answers), committed.
 * Prints p50/p90/p99/max per schema; drops both schemas. Last line: JSON.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { connectDatabase, type Sql } from '../../../server/src/store/db.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { flushAnswers } from '../../../server/src/worker/flush.js';
import { BIG_SITTING, fillSchema } from './fill.js';

const { values } = parseArgs({
  options: { attempts: { type: 'string', default: '20000' }, batches: { type: 'string', default: '400' }, batch: { type: 'string', default: '100' } },
});
const attempts = intOption('attempts', values.attempts, 20_000);
const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../server/src/store/migrations');
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const id = randomBytes(4).toString('hex');
const schemas = { unpartitioned: `flush_a_${id}`, partitioned: `flush_b_${id}` };
const pools: Record<string, Sql> = Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, connectDatabase({ DATABASE_URL: url, DATABASE_SCHEMA: s, PG_POOL_MAX: 2 })]));

/** Every migration before 009, recorded as applied. */
async function migrateWithout009(sql: Sql, schema: string): Promise<void> {
  await sql.unsafe(`CREATE SCHEMA "${schema}"`);
  await sql.unsafe('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const f of readdirSync(migrationsDir).filter((f) => /^\d{3}_.+\.sql$/.test(f) && f < '009').sort()) {
    await sql.begin(async (tx) => {
      await tx.unsafe(readFileSync(join(migrationsDir, f), 'utf8'));
      await tx.unsafe('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
    });
  }
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  await migrateWithout009(pools.unpartitioned!, schemas.unpartitioned);
  await migrate(pools.partitioned!, schemas.partitioned);
  for (const [k, sql] of Object.entries(pools)) {
    await fillSchema(sql, { attempts, questions: 20, versions: 3 });
    await sql.unsafe('VACUUM ANALYZE answers, answer_events, attempts');
    process.stderr.write(`${k}: filled\n`);
  }
  // same attempt ids are not shared between schemas: each batch draws the same positions in each
  const ids: Record<string, string[]> = {};
  for (const [k, sql] of Object.entries(pools)) {
    ids[k] = (await sql.unsafe('SELECT id FROM attempts WHERE sitting_id = $1 ORDER BY candidate_id', [BIG_SITTING])).map((r) => r.id as string);
  }
  const batches = intOption('batches', values.batches, 400);
  const size = intOption('batch', values.batch, 100);
  const times: Record<string, number[]> = { unpartitioned: [], partitioned: [] };
  for (let b = 0; b < batches; b++) {
    const positions = Array.from({ length: size / 2 }, () => Math.floor(Math.random() * attempts));
    const order = b % 2 === 0 ? ['unpartitioned', 'partitioned'] : ['partitioned', 'unpartitioned'];
    for (const k of order) {
      const items = positions.flatMap((p) => ['q05', 'q17'].map((q) => ({ a: ids[k]![p]!, q, s: 1000 + b, v: { kind: 'text' as const, text: `b${b}` }, r: Date.now() })));
      const t = process.hrtime.bigint();
      await flushAnswers(pools[k]!, 'gw-ab', items);
      times[k]!.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  }
  const summary = Object.fromEntries(Object.entries(times).map(([k, xs]) => {
    const s = [...xs].sort((x, y) => x - y);
    return [k, { p50_ms: +pct(s, 50).toFixed(2), p90_ms: +pct(s, 90).toFixed(2), p99_ms: +pct(s, 99).toFixed(2), max_ms: +s[s.length - 1]!.toFixed(2) }];
  }));
  process.stdout.write(`${JSON.stringify({ attempts, batches, batch_versions: size, ...summary })}\n`);
}

main()
  .finally(async () => {
    for (const [k, sql] of Object.entries(pools)) {
      await sql.unsafe(`DROP SCHEMA IF EXISTS "${schemas[k as keyof typeof schemas]}" CASCADE`);
      await sql.end({ timeout: 5 });
    }
  })
  .catch((err: unknown) => { process.stderr.write(`${(err as Error).stack}\n`); process.exitCode = 1; });
