import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from '../store/db.js';
import { checkScope, loadSittingPaper, scopeCondition, type ResultScope } from './sitting-paper.js';
import { csvHeader, csvLines, jsonLines, type ExportFormat, type ExportRow, type ExportShape } from './export-format.js';

/** Rows fetched per cursor round trip: big enough to amortise it, small enough to keep memory flat. */
export const EXPORT_BATCH_ROWS = 1000;

export interface ExportRequest extends ResultScope {
  sittingId: string;
  format: ExportFormat;
  shape: ExportShape;
  /** called after each batch with the rows written so far */
  onProgress?: (rows: number) => void;
}

export interface PreparedExport {
  contentType: string;
  fileName: string;
  /** the export as a byte stream: rows are read from Postgres only as fast as the consumer takes them */
  stream: () => Readable;
  /** data rows written so far (attempts, or attempt × question in the long shape) */
  rows: () => number;
}

/**
 * Checks the sitting and the scope first (so a bad request gets a coded error, not half a file),
 * then streams the sitting's attempts by district, center and candidate through a postgres.js cursor.
 * The stream pulls the next batch only when the consumer has drained the last (backpressure).
 */
export async function prepareExport(sql: Sql, request: ExportRequest): Promise<PreparedExport> {
  const paper = await loadSittingPaper(sql, request.sittingId);
  await checkScope(sql, request);
  const questionIds = paper.questions.map((q) => q.id);
  let written = 0;

  async function* chunks(): AsyncGenerator<string> {
    if (request.format === 'csv') yield csvHeader(request.shape, questionIds);
    const query = request.shape === 'wide' ? wideQuery(sql, request) : longQuery(sql, request, questionIds);
    for await (const rows of query.cursor(EXPORT_BATCH_ROWS)) {
      written += rows.length;
      yield request.format === 'csv' ? csvLines(rows, request.shape, questionIds) : jsonLines(rows, request.shape, questionIds);
      request.onProgress?.(written);
    }
  }

  // ids may hold characters a header's quoted filename cannot
  const scopeName = [request.sittingId, request.district, request.center].filter(Boolean).join('-').replace(/[^A-Za-z0-9_.:-]/g, '_');
  return {
    contentType: request.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    fileName: `results-${scopeName}-${request.shape}.${request.format === 'csv' ? 'csv' : 'jsonl'}`,
    stream: () => Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 }),
    rows: () => written,
  };
}

const attemptColumns = (sql: Sql) => sql`
  c.id AS candidate_id, c.name AS candidate_name, ce.district_id AS district, ce.id AS center, c.batch, c.slot,
  coalesce(a.status, 'absent') AS status, a.started_at, a.submitted_at, a.score::float8 AS score, a.max_score::float8 AS max_score, a.scoring_status`;

/**
 * One row per enrolled candidate: its attempt, with points by question id (null before it is
 * scored), or status `absent` when it never joined (an office's result sheet lists everyone).
 */
function wideQuery(sql: Sql, request: ExportRequest) {
  return sql<ExportRow[]>`
    SELECT ${attemptColumns(sql)},
           -- one index scan per attempt (faster than joining the paper's question list per attempt);
           -- json, since postgres.js reads a NULL element of a float8[] as NaN
           (SELECT json_object_agg(qs.question_id, qs.points::float8) FROM question_scores qs WHERE qs.attempt_id = a.id) AS points
    FROM sitting_candidates sc
    JOIN candidates c ON c.id = sc.candidate_id
    JOIN centers ce ON ce.id = c.center_id
    LEFT JOIN attempts a ON a.sitting_id = sc.sitting_id AND a.candidate_id = sc.candidate_id
    WHERE sc.sitting_id = ${request.sittingId} AND ${scopeCondition(sql, request)}
    ORDER BY ce.district_id, ce.id, c.id`;
}

/**
 * One row per attempt × question of the paper (questions without a score row yet have null points).
 * The attempts are sorted first (N rows), then each is joined to its questions in paper order: Postgres
 * streams this with an incremental sort by question, where sorting all N × questions rows at once
 * spilled ~70 MB to disk at 40,000 attempts and held back the first row until the sort was done.
 */
function longQuery(sql: Sql, request: ExportRequest, questionIds: string[]) {
  return sql<ExportRow[]>`
    SELECT t.*, x.question_id, x.question_points, x.question_max_points, x.question_status
    FROM (
      SELECT a.id AS attempt_id, ${attemptColumns(sql)}
      FROM sitting_candidates sc
      JOIN candidates c ON c.id = sc.candidate_id
      JOIN centers ce ON ce.id = c.center_id
      LEFT JOIN attempts a ON a.sitting_id = sc.sitting_id AND a.candidate_id = sc.candidate_id
      WHERE sc.sitting_id = ${request.sittingId} AND ${scopeCondition(sql, request)}
      ORDER BY ce.district_id, ce.id, c.id
    ) t
    CROSS JOIN LATERAL (
      SELECT q.id AS question_id, q.n, qs.points::float8 AS question_points,
             qs.max_points::float8 AS question_max_points, qs.status AS question_status
      FROM unnest(${questionIds}::text[]) WITH ORDINALITY AS q (id, n)
      LEFT JOIN question_scores qs ON qs.attempt_id = t.attempt_id AND qs.question_id = q.id
    ) x
    ORDER BY t.district, t.center, t.candidate_id, x.n`;
}

/**
 * Runs an export into a writable (a file, stdout, /dev/null), honouring its backpressure. `open` is
 * called only once the request is checked, so a refused export leaves no empty file behind.
 */
export async function writeExport(
  sql: Sql, request: ExportRequest, open: () => NodeJS.WritableStream, options: { end: boolean },
): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const prepared = await prepareExport(sql, request);
  await pipeline(prepared.stream(), open(), { end: options.end });
  return { rows: prepared.rows(), ms: performance.now() - started };
}
