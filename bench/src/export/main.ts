/**
 * npm run bench:export -- [--attempts N]: results export speed and memory. Fills a fresh schema with
 * N submitted attempts of the 20-question demo paper (candidates over 50 centers in 5 districts,
 * question scores and choice answers, all by INSERT … SELECT generate_series), then runs the same
 * export code as `examhall results export` to /dev/null: CSV and JSON Lines (wide), and CSV long
 * (N × 20 rows); times item statistics; drops the schema. RSS is sampled every 20 ms during the
 * exports. Last line: JSON.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { DEMO_EXAM } from '../../../server/src/exam/demo-exam.js';
import { importExamDefinition } from '../../../server/src/exam/import.js';
import { itemStatistics } from '../../../server/src/results/item-stats.js';
import { writeExport, type ExportRequest } from '../../../server/src/results/export.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { runQuery } from '../../../server/src/store/queries.js';
import type { Sql } from '../../../server/src/store/db.js';
import { dropStackData, freshStackSettings, openBackend } from '../answers/stack.js';

const { values } = parseArgs({ options: { attempts: { type: 'string', default: '40000' } } });
const attempts = intOption('attempts', values.attempts, 40_000);
const SITTING = 'bench-export';

async function fill(sql: Sql, n: number): Promise<void> {
  await importExamDefinition(sql, DEMO_EXAM);
  const opensAt = new Date(Date.now() - 3 * 3_600_000);
  await runQuery(sql, 'upsert-sitting', [SITTING, DEMO_EXAM.id, DEMO_EXAM.version, 'bench', opensAt, new Date(opensAt.getTime() + 86_400_000), 5400, 0, 'on_join']);
  const questions = DEMO_EXAM.questions.map((q) => ({ id: q.id, points: q.points, choice: q.type === 'single' || q.type === 'multiple' }));
  await sql`INSERT INTO districts (id, name) SELECT 'D' || d, 'District ' || d FROM generate_series(0, 4) d`;
  await sql`INSERT INTO centers (id, district_id, name) SELECT 'C' || c, 'D' || (c % 5), 'Center ' || c FROM generate_series(0, 49) c`;
  await sql`
    INSERT INTO candidates (id, center_id, name, batch, slot)
    SELECT 'T' || lpad(i::text, 7, '0'), 'C' || (i % 50), 'Teacher ' || i || CASE WHEN i % 100 = 0 THEN ', "quoted"' ELSE '' END,
           'B' || (i % 4), 'morning'
    FROM generate_series(1, ${n}) i`;
  await sql`INSERT INTO sitting_candidates (sitting_id, candidate_id) SELECT ${SITTING}, id FROM candidates`;
  await sql`
    INSERT INTO attempts (sitting_id, candidate_id, status, started_at, submitted_at, finalized_by)
    SELECT ${SITTING}, id, 'submitted', ${opensAt}, ${new Date(opensAt.getTime() + 5_000_000)}, 'bench' FROM candidates`;
  // a candidate's ability (from its id) makes the items discriminate, as in a real paper
  await sql`
    INSERT INTO question_scores (attempt_id, question_id, points, max_points, status)
    SELECT a.id, q.id,
           CASE WHEN r < 0.05 THEN 0 WHEN r < 0.35 + 0.5 * ability THEN q.points ELSE 0 END,
           q.points, CASE WHEN r < 0.05 THEN 'unanswered' ELSE 'scored' END
    FROM (SELECT id, (hashtext(candidate_id) & 1023) / 1023.0 AS ability FROM attempts) a
    CROSS JOIN unnest(${questions.map((q) => q.id)}::text[], ${questions.map((q) => q.points)}::numeric[]) AS q (id, points)
    CROSS JOIN LATERAL (SELECT random() + 0 * a.ability AS r) rnd`;
  await sql`
    INSERT INTO answers (attempt_id, question_id, seq, value, received_at, gateway_id)
    SELECT qs.attempt_id, qs.question_id, 1,
           jsonb_build_object('kind', 'choice', 'optionIds', jsonb_build_array(qs.question_id || '-' || chr(97 + (random() * 3)::int))),
           now(), 'bench'
    FROM question_scores qs
    WHERE qs.question_id = ANY(${questions.filter((q) => q.choice).map((q) => q.id)}::text[]) AND qs.status = 'scored'`;
  await sql`
    UPDATE attempts a SET score = t.score, max_score = t.max_score, scoring_status = 'scored'
    FROM (SELECT attempt_id, sum(points) AS score, sum(max_points) AS max_score FROM question_scores GROUP BY attempt_id) t
    WHERE t.attempt_id = a.id`;
  await sql`ANALYZE attempts, question_scores, answers, candidates, centers, sitting_candidates`;
}

/** Runs one export to /dev/null while sampling RSS; rows per second and the peak. */
async function measure(sql: Sql, request: Omit<ExportRequest, 'sittingId'>) {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  try {
    const { rows, ms } = await writeExport(sql, { sittingId: SITTING, ...request }, () => createWriteStream('/dev/null'), { end: true });
    return { rows, ms, rowsPerS: Math.round(rows / (ms / 1000)), peakMb: Math.round(peak / 1048576) };
  } finally {
    clearInterval(sampler);
  }
}

const backend = openBackend(freshStackSettings(process.env));
try {
  await migrate(backend.sql, backend.config.DATABASE_SCHEMA);
  const fillStarted = performance.now();
  await fill(backend.sql, attempts);
  const fillMs = performance.now() - fillStarted;
  // warm-up on one center (JIT, prepared plans, csv-stringify loaded) so the first measured format pays no extra
  for (const format of ['csv', 'json'] as const) await measure(backend.sql, { format, shape: 'wide', center: 'C0' });
  const rssBefore = Math.round(process.memoryUsage().rss / 1048576);
  const csv = await measure(backend.sql, { format: 'csv', shape: 'wide' });
  const json = await measure(backend.sql, { format: 'json', shape: 'wide' });
  const long = await measure(backend.sql, { format: 'csv', shape: 'long' });
  const statsStarted = performance.now();
  const stats = await itemStatistics(backend.sql, SITTING);
  const statsMs = performance.now() - statsStarted;
  if (csv.rows !== attempts || json.rows !== attempts || long.rows !== attempts * DEMO_EXAM.questions.length || stats.attempts !== attempts) {
    throw new Error(`row counts differ: csv ${csv.rows}, json ${json.rows}, long ${long.rows}, stats ${stats.attempts}, expected ${attempts}`);
  }
  process.stderr.write(`filled in ${(fillMs / 1000).toFixed(1)} s; csv ${csv.ms.toFixed(0)} ms, json ${json.ms.toFixed(0)} ms, long csv ${long.ms.toFixed(0)} ms, item stats ${statsMs.toFixed(0)} ms\n`);
  process.stdout.write(`${JSON.stringify({
    attempts,
    questions: DEMO_EXAM.questions.length,
    rows: csv.rows,
    csv_ms: Math.round(csv.ms),
    csv_rows_per_s: csv.rowsPerS,
    json_ms: Math.round(json.ms),
    json_rows_per_s: json.rowsPerS,
    long_rows: long.rows,
    long_csv_ms: Math.round(long.ms),
    long_csv_rows_per_s: long.rowsPerS,
    item_stats_ms: Math.round(statsMs),
    fill_ms: Math.round(fillMs),
    rss_mb_before: rssBefore,
    rss_mb_peak: Math.max(csv.peakMb, json.peakMb, long.peakMb),
    rss_mb_peak_csv: csv.peakMb,
    rss_mb_peak_json: json.peakMb,
    rss_mb_peak_long: long.peakMb,
  })}\n`);
} finally {
  await dropStackData(backend).catch(() => undefined);
  await backend.close();
}
