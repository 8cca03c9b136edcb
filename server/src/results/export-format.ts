import { stringify } from 'csv-stringify/sync';

export type ExportFormat = 'csv' | 'json';
export type ExportShape = 'wide' | 'long';

/** One attempt as the export query returns it (long shape: one of these per attempt × question). */
export interface ExportRow {
  candidate_id: string;
  candidate_name: string;
  district: string;
  center: string;
  batch: string | null;
  slot: string | null;
  status: string;
  started_at: Date | null;
  submitted_at: Date | null;
  score: number | null;
  max_score: number | null;
  scoring_status: string | null;
  /** wide: points by question id (null before the attempt is scored) */
  points?: Record<string, number> | null;
  /** long: one question's score */
  question_id?: string;
  question_points?: number | null;
  question_max_points?: number | null;
  question_status?: string | null;
}

export const ATTEMPT_COLUMNS = [
  'candidate_id', 'candidate_name', 'district', 'center', 'batch', 'slot', 'status',
  'started_at', 'submitted_at', 'score', 'max_score', 'scoring_status',
] as const;
export const LONG_COLUMNS = ['question_id', 'points', 'max_points', 'question_status'] as const;

/** The CSV column of a question's points in the wide shape (prefixed: a question may be called `score`). */
export const pointsColumn = (questionId: string) => `points_${questionId}`;

export function headerOf(shape: ExportShape, questionIds: readonly string[]): string[] {
  return shape === 'wide' ? [...ATTEMPT_COLUMNS, ...questionIds.map(pointsColumn)] : [...ATTEMPT_COLUMNS, ...LONG_COLUMNS];
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function attemptFields(r: ExportRow) {
  return {
    candidate_id: r.candidate_id, candidate_name: r.candidate_name, district: r.district, center: r.center,
    batch: r.batch, slot: r.slot, status: r.status, started_at: iso(r.started_at), submitted_at: iso(r.submitted_at),
    score: r.score, max_score: r.max_score, scoring_status: r.scoring_status,
  };
}

/**
 * Text that a spreadsheet would run as a formula (= + - @, or a leading tab or CR) gets a leading
 * apostrophe in CSV, as OWASP advises for CSV injection: roster names pass many hands before the
 * office opens the export in Excel. JSON Lines keep every value as stored.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const inertText = (value: unknown) => (typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value);

/** CSV (RFC 4180 quoting by csv-stringify; null → empty cell) for one batch of rows, header separately. */
export function csvLines(rows: readonly ExportRow[], shape: ExportShape, questionIds: readonly string[]): string {
  const records = rows.map((r) => {
    const fields = attemptFields(r);
    const base: unknown[] = ATTEMPT_COLUMNS.map((c) => inertText(fields[c]));
    return shape === 'wide'
      ? [...base, ...questionIds.map((q) => r.points?.[q] ?? null)]
      : [...base, r.question_id, r.question_points, r.question_max_points, r.question_status];
  });
  return stringify(records, { cast: { number: (n) => String(n) } });
}

export const csvHeader = (shape: ExportShape, questionIds: readonly string[]) => stringify([headerOf(shape, questionIds)]);

/** JSON Lines: one object per row; wide rows carry `points` as { questionId: points }. */
export function jsonLines(rows: readonly ExportRow[], shape: ExportShape, questionIds: readonly string[]): string {
  let out = '';
  for (const r of rows) {
    const object = shape === 'wide'
      ? { ...attemptFields(r), points: Object.fromEntries(questionIds.map((q) => [q, r.points?.[q] ?? null])) }
      : { ...attemptFields(r), question_id: r.question_id, points: r.question_points, max_points: r.question_max_points, question_status: r.question_status };
    out += `${JSON.stringify(object)}\n`;
  }
  return out;
}
