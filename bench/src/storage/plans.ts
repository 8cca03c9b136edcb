/**
 * npm run -s -w @examhall/bench storage-plans -- [--attempts N] [--questions Q] [--versions V] [--keep]
 * The statements that touch answers/answer_events, with EXPLAIN (ANALYZE, BUFFERS) on a filled schema:
 * migrated up to (not including) 009, filled (fill.ts), measured; then 009 applied (timed), measured
 * again, and once more with each candidate index. Writing statements run in a rolled-back
 * transaction, so every measurement sees the same rows. Summary on stdout; full plans in
 * bench/results/storage-plans-<timestamp>.txt. Each statement runs twice; the second (warm) run counts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { connectDatabase, type Sql } from '../../../server/src/store/db.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { BIG_SITTING, SMALL_SITTING, fillSchema } from './fill.js';

const { values } = parseArgs({
  options: { attempts: { type: 'string', default: '40000' }, questions: { type: 'string', default: '20' }, versions: { type: 'string', default: '3' }, keep: { type: 'boolean' } },
});
const here = dirname(fileURLToPath(import.meta.url));
const serverSrc = join(here, '../../../server/src');
const sqlFile = (name: string) => readFileSync(join(serverSrc, 'store/sql', `${name}.sql`), 'utf8');
const PARTITIONING = '009_partitioned_answers.sql';

const schema = `plans_${randomBytes(4).toString('hex')}`;
const sql = connectDatabase({ DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: schema, PG_POOL_MAX: 1 });
const report: string[] = [];
const log = (line: string) => { process.stdout.write(`${line}\n`); report.push(line); };

/** Every migration before 009, recorded as applied so that migrate() later applies 009 alone (and any after it). */
async function migrateBeforePartitioning(): Promise<void> {
  const dir = join(serverSrc, 'store/migrations');
  const files = readdirSync(dir).filter((f) => /^\d{3}_.+\.sql$/.test(f) && f < PARTITIONING).sort();
  await sql.unsafe(`CREATE SCHEMA "${schema}"`);
  await sql.unsafe('CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  for (const f of files) {
    await sql.begin(async (tx) => {
      await tx.unsafe(readFileSync(join(dir, f), 'utf8'));
      await tx.unsafe('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
    });
  }
}

class Rollback extends Error {}

/** Only this schema's filled tables: a bare VACUUM or ANALYZE would process every schema of the shared database. */
const VACUUM_FILLED = 'VACUUM ANALYZE attempts, answers, answer_events, presence, presence_events, alerts, candidates, sitting_candidates';

/** EXPLAIN (ANALYZE, BUFFERS) of one statement, inside a transaction that is always rolled back. */
async function explainOnce(setup: string[], statement: string, params: unknown[]): Promise<string[]> {
  let plan: string[] = [];
  await sql.begin(async (tx) => {
    for (const s of setup) await tx.unsafe(s);
    const rows = await tx.unsafe(`EXPLAIN (ANALYZE, BUFFERS) ${statement}`, params as never[]);
    plan = rows.map((r) => String(r['QUERY PLAN']));
    throw new Rollback();
  }).catch((err: unknown) => { if (!(err instanceof Rollback)) throw err; });
  return plan;
}

const msOf = (plan: string[], prefix: string) => Number(/([\d.]+) ms/.exec(plan.find((l) => l.trim().startsWith(prefix)) ?? '')?.[1] ?? 0);
const jitMs = (plan: string[]) => Number(/Total ([\d.]+) ms/.exec(plan.find((l) => l.includes('Timing: Generation')) ?? '')?.[1] ?? 0);

/** One warm-up run, then RUNS measured runs: the fastest counts (the box is shared; slower runs are noise). */
async function explain(label: string, setup: string[], statement: string, params: unknown[] = []): Promise<void> {
  const RUNS = 3;
  await explainOnce(setup, statement, params);
  const plans: string[][] = [];
  for (let i = 0; i < RUNS; i++) plans.push(await explainOnce(setup, statement, params));
  const plan = plans.reduce((best, p) => (msOf(p, 'Execution Time') < msOf(best, 'Execution Time') ? p : best));
  const times = plans.map((p) => msOf(p, 'Execution Time').toFixed(1)).join('/');
  const jit = jitMs(plan);
  const buffers = plan.find((l) => l.includes('Buffers:'))?.trim() ?? '';
  const nodes = plan.filter((l) => /(Scan|Join|Loop|Append|Aggregate|Insert|Sort|Subplans Removed)/.test(l)).slice(0, 6).map((l) => l.replace(/\s+\(cost=[^)]*\)/, '').slice(0, 140));
  log(`\n## ${label}: min ${msOf(plan, 'Execution Time').toFixed(2)} ms (runs ${times}; of it JIT ${jit.toFixed(0)} ms; planning ${msOf(plan, 'Planning Time').toFixed(2)} ms)  ${buffers}`);
  for (const n of nodes) log(`   ${n}`);
  report.push(...plan.map((l) => `      | ${l}`));
  if (jit > 0 && !setup.some((s) => s.includes('jit'))) await explain(`${label} [jit off]`, [...setup, 'SET LOCAL jit = off'], statement, params);
}

async function someAttempts(sittingId: string, n: number): Promise<string[]> {
  const rows = await sql.unsafe('SELECT id FROM attempts WHERE sitting_id = $1 ORDER BY hashtext(id::text) LIMIT $2', [sittingId, n]);
  return rows.map((r) => r.id as string);
}

async function measureAll(phase: string): Promise<void> {
  log(`\n==================== ${phase} ====================`);
  // a statement on a table 009 does not touch: how busy the shared box is during this phase
  await explain('control: count in-progress attempts (not partitioned)', [], "SELECT count(*) FROM attempts WHERE status = 'in_progress'");
  const batch = await someAttempts(BIG_SITTING, 250);
  // one worker batch: 500 new versions over 250 attempts (2 questions each)
  const versions = batch.flatMap((a) => ['q03', 'q11'].map((q) => ({ a, q })));
  await explain('flush-answers (500 versions, 250 attempts)', [], sqlFile('flush-answers'), [
    versions.map((v) => v.a), versions.map((v) => v.q), versions.map(() => 9999), versions.map(() => '{"kind":"single","optionId":"o9"}'),
    versions.map(() => Date.now() - 1000), versions.map(() => 'gw-plans'),
  ]);
  const one = batch[7]!;
  const generic = ['SET LOCAL plan_cache_mode = force_generic_plan'];
  await explain('attempt-answers (prepared, generic plan)', generic, sqlFile('attempt-answers'), [one]);
  const candidate = (await sql.unsafe('SELECT candidate_id FROM attempts WHERE id = $1', [one]))[0]!.candidate_id as string;
  await explain('find-attempt-context (prepared, generic plan)', generic, sqlFile('find-attempt-context'), [BIG_SITTING, candidate]);
  await explain('roster-snapshot (whole big sitting)', [], sqlFile('roster-snapshot'), [BIG_SITTING, true, [], []]);
  await explain('sweep-alerts (idle 600 s, disconnected 60 s)', [], sqlFile('sweep-alerts'), [60, 600]);
  await explain('presence-events (200 attempts)', [], sqlFile('presence-events'), [batch.slice(0, 200), new Date()]);
  for (const [table, sitting] of [['answer_events', SMALL_SITTING], ['answers', SMALL_SITTING], ['answer_events', BIG_SITTING]] as const) {
    await explain(`export ${table} of ${sitting}`, [],
      `SELECT x.* FROM ${table} x WHERE x.attempt_id IN (SELECT a.id FROM attempts a WHERE a.sitting_id = $1)`, [sitting]);
  }
}

async function main(): Promise<void> {
  const o = { attempts: intOption('attempts', values.attempts, 40_000), questions: intOption('questions', values.questions, 20, 1, 1000), versions: intOption('versions', values.versions, 3, 1, 100) };
  log(`storage plans: schema ${schema}, ${o.attempts} + ${Math.floor(o.attempts / 20)} attempts × ${o.questions} answers × ${o.versions} versions`);
  await migrateBeforePartitioning();
  let t = Date.now();
  await fillSchema(sql, o);
  await sql.unsafe(VACUUM_FILLED); // hint bits and visibility maps set, as autovacuum would by the time anyone reads
  log(`filled in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  await measureAll('before 009 (unpartitioned)');
  t = Date.now();
  const applied = await migrate(sql, schema);
  const migrationS = (Date.now() - t) / 1000;
  await sql.unsafe(VACUUM_FILLED);
  log(`\nmigration ${applied.applied.join(', ')} on the filled schema: ${migrationS.toFixed(1)} s`);
  await measureAll('after 009 (hash partitioned)');
  log('\n==================== candidate index: answers (attempt_id, committed_at) ====================');
  await sql.unsafe('CREATE INDEX answers_attempt_committed_idx ON answers (attempt_id, committed_at)');
  await sql.unsafe('ANALYZE answers');
  await explain('sweep-alerts with answers (attempt_id, committed_at)', [], sqlFile('sweep-alerts'), [60, 600]);
  await explain('roster-snapshot with answers (attempt_id, committed_at)', [], sqlFile('roster-snapshot'), [BIG_SITTING, true, [], []]);
  await sql.unsafe('DROP INDEX answers_attempt_committed_idx');
  const out = join(here, '../../results', `storage-plans-${new Date().toISOString().replace(/[:.]/g, '-')}.txt`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${report.join('\n')}\n`);
  log(`\nfull plans: ${out}`);
}

main()
  .finally(async () => {
    if (!values.keep) await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  })
  .catch((err: unknown) => { process.stderr.write(`${(err as Error).stack}\n`); process.exitCode = 1; });
