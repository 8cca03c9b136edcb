/**
 * npm run -s -w @examhall/bench storage-archive -- [--attempts N]: the archive command's cost. Fills a
 * fresh, fully migrated schema (fill.ts), closes both sittings (window in the past, attempts submitted),
 * then archives the small sitting (N/20 attempts) with --purge and the big one (N) without, timing
 * export + verify + purge. Drops the schema and the files. Last line: JSON.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { archiveSitting } from '../../../server/src/archive/archive-sitting.js';
import { connectDatabase } from '../../../server/src/store/db.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { BIG_SITTING, SMALL_SITTING, fillSchema } from './fill.js';

const { values } = parseArgs({ options: { attempts: { type: 'string', default: '40000' } } });
const attempts = intOption('attempts', values.attempts, 40_000);
const schema = `archive_bench_${randomBytes(4).toString('hex')}`;
const sql = connectDatabase({ DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test', DATABASE_SCHEMA: schema, PG_POOL_MAX: 2 });
const dir = mkdtempSync(join(tmpdir(), 'archive-bench-'));

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t = Date.now();
  const result = await work();
  return [result, (Date.now() - t) / 1000];
}

async function main(): Promise<void> {
  await migrate(sql, schema);
  await fillSchema(sql, { attempts, questions: 20, versions: 3 });
  await sql.unsafe("UPDATE sittings SET opens_at = now() - interval '3 days', closes_at = now() - interval '2 days'");
  await sql.unsafe("UPDATE attempts SET status = 'submitted', submitted_at = now() - interval '2 days'");
  const rss = () => Math.round(process.memoryUsage().rss / 1e6);
  const rssBefore = rss();
  const [small, smallS] = await timed(() => archiveSitting(sql, { sittingId: SMALL_SITTING, outDir: join(dir, 'small'), purge: true, actor: 'bench' }));
  const [big, bigS] = await timed(() => archiveSitting(sql, { sittingId: BIG_SITTING, outDir: join(dir, 'big'), purge: false, actor: 'bench' }));
  const rows = (r: typeof small) => r.tables.reduce((n, t) => n + t.rows, 0);
  const mb = (r: typeof small) => +(r.tables.reduce((n, t) => n + t.bytes, 0) / 1e6).toFixed(1);
  process.stdout.write(`${JSON.stringify({
    attempts, small_sitting: { rows: rows(small), mb: mb(small), s_export_verify_purge: smallS },
    big_sitting: { rows: rows(big), mb: mb(big), s_export_verify: bigS }, rss_mb_before: rssBefore, rss_mb_after: rss(),
  })}\n`);
}

main()
  .finally(async () => {
    rmSync(dir, { recursive: true, force: true });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 5 });
  })
  .catch((err: unknown) => { process.stderr.write(`${(err as Error).stack}\n`); process.exitCode = 1; });
