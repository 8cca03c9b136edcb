import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { z } from 'zod';

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
});
export type RosterRow = z.infer<typeof RosterRow>;

export const ROSTER_COLUMNS = Object.keys(RosterRow.shape);

export interface RosterLineError {
  line: number;
  message: string;
}

/** The rows of a roster CSV (header line first), parsed as they stream in: memory stays flat. */
export async function* rosterRows(path: string): AsyncGenerator<{ line: number; row?: RosterRow; error?: string }> {
  const parser = createReadStream(path).pipe(parse({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false, info: true }));
  try {
    for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      const parsed = RosterRow.safeParse(record.record);
      const line = record.info.lines;
      if (parsed.success) yield { line, row: parsed.data };
      else yield { line, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
    }
  } catch (err) {
    // a malformed CSV line (unclosed quote, wrong number of columns) ends the parse
    const e = err as Error & { lines?: number };
    yield { line: e.lines ?? 0, error: e.message };
  }
}
