import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { z } from 'zod';

/** The exam's three daily slots (customer notes: 60% morning, 30% afternoon, 10% evening). */
export const SLOTS = ['morning', 'afternoon', 'evening'] as const;
export type Slot = (typeof SLOTS)[number];

/**
 * One roster line: where a candidate sits and their accommodations. Ids are the exam office's own
 * (external) ids, so a re-import updates rows instead of adding new ones.
 */
export const RosterRow = z.object({
  district_id: z.string().trim().min(1).max(100),
  district_name: z.string().trim().min(1).max(200),
  center_id: z.string().trim().min(1).max(100),
  center_name: z.string().trim().min(1).max(200),
  candidate_id: z.string().trim().min(1).max(100),
  candidate_name: z.string().trim().min(1).max(200),
  /** accommodation: extra minutes (optional, 0 when empty) */
  extra_time_min: z.union([z.literal(''), z.coerce.number().int().min(0).max(600)]).optional().transform((v) => (v === '' || v === undefined ? 0 : v)),
  /** optional column: the office's batch label (any text, e.g. "B3"; empty = none) */
  batch: z.string().trim().max(100).optional().transform((v) => v || null),
  /** optional column: morning | afternoon | evening (empty = none) */
  slot: z.string().trim().pipe(z.enum(['', ...SLOTS], { error: `expected ${SLOTS.join(', ')} or empty` })).optional().transform((v) => v || null),
});
export type RosterRow = z.infer<typeof RosterRow>;

/** Columns every roster has (an older roster has exactly these, in this order). */
export const ROSTER_COLUMNS = ['district_id', 'district_name', 'center_id', 'center_name', 'candidate_id', 'candidate_name', 'extra_time_min'];
/** Columns a roster may add after the required ones; a file without one leaves its stored values as they are. */
export const ROSTER_OPTIONAL_COLUMNS = ['batch', 'slot'] as const;
export type RosterOptionalColumn = (typeof ROSTER_OPTIONAL_COLUMNS)[number];
/** The full header of a current roster. */
export const ROSTER_ALL_COLUMNS = [...ROSTER_COLUMNS, ...ROSTER_OPTIONAL_COLUMNS];

export interface RosterLineError {
  line: number;
  message: string;
}

/** What the header line says: which optional columns the file has, or why the header is refused. */
export interface RosterHeader {
  optional: Set<RosterOptionalColumn>;
}

/**
 * Checks a header line: every required column, any of the optional ones, nothing else, none twice
 * (the order is free: fields are read by name). Returns the problem, or undefined when it is fine.
 */
export function checkRosterHeader(names: string[]): string | undefined {
  const known: readonly string[] = ROSTER_ALL_COLUMNS;
  const missing = ROSTER_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) return `the header lacks ${missing.join(',')}; a roster has ${ROSTER_COLUMNS.join(',')} and optionally ${ROSTER_OPTIONAL_COLUMNS.join(',')}`;
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) return `unknown column(s) ${unknown.join(',')}; the optional columns are ${ROSTER_OPTIONAL_COLUMNS.join(',')}`;
  if (new Set(names).size !== names.length) return `a column is named twice in the header: ${names.join(',')}`;
  return undefined;
}

/**
 * The rows of a roster CSV (header line first), parsed as they stream in: memory stays flat. The
 * header decides the columns; a bad header is one error on line 1 and ends the file. `header`, when
 * given, is filled with the optional columns the file has.
 */
export async function* rosterRows(path: string, header?: RosterHeader): AsyncGenerator<{ line: number; row?: RosterRow; error?: string }> {
  let headerProblem: string | undefined;
  let headerSeen = false;
  const columns = (names: string[]) => {
    headerSeen = true;
    const trimmed = names.map((n) => n.trim());
    headerProblem = checkRosterHeader(trimmed);
    if (headerProblem) throw new Error(headerProblem);
    for (const c of ROSTER_OPTIONAL_COLUMNS) if (trimmed.includes(c)) header?.optional.add(c);
    return trimmed;
  };
  const parser = createReadStream(path).pipe(parse({ columns, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }));
  try {
    for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const parsed = RosterRow.safeParse(record.record);
      const line = record.info.lines;
      if (parsed.success) yield { line, row: parsed.data };
      else yield { line, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
    }
  } catch (err) {
    // a bad header, or a malformed CSV line (unclosed quote, wrong number of columns), ends the parse
    if (headerProblem) return void (yield { line: 1, error: headerProblem });
    const e = err as Error & { lines?: number };
    return void (yield { line: e.lines ?? 0, error: e.message });
  }
  // an empty file (or only blank lines) is refused, not imported as nothing
  if (!headerSeen) yield { line: 1, error: `empty file: the first line must be the header ${ROSTER_COLUMNS.join(',')}` };
}
