import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { rosterRows, type RosterHeader, type RosterLineError, type RosterRow } from './roster-csv.js';

export interface RosterImportOptions {
  /** also enrol every candidate of the file in this sitting */
  sittingId?: string;
  /** rows per statement batch */
  batchSize?: number;
  /** called every `batchSize` rows, with the rows written so far */
  onProgress?: (rows: number) => void;
  /** stop collecting errors after this many (the file is refused anyway) */
  maxErrors?: number;
}

export interface RosterImportResult {
  rows: number;
  districts: number;
  centers: number;
  candidates: number;
  enrolled: number;
  /** when not empty, nothing was written */
  errors: RosterLineError[];
  ms: number;
}

/**
 * Imports a roster CSV in two streaming passes: the first checks the header (which optional columns,
 * batch and slot, the file has) and every line (schema, a candidate
 * listed twice, a center under two districts) and reports errors by line; only a clean file is
 * written, in one transaction, by upserts keyed on the office's ids, so a re-import updates in place
 * and a failed import leaves nothing half-written. Memory holds the ids seen, never the rows.
 */
export async function importRoster(sql: Sql, path: string, options: RosterImportOptions = {}): Promise<RosterImportResult> {
  const started = performance.now();
  const batchSize = options.batchSize ?? 2000;
  const maxErrors = options.maxErrors ?? 100;
  const errors: RosterLineError[] = [];
  const candidateLine = new Map<string, number>();
  const centerDistrict = new Map<string, string>();
  const districts = new Set<string>();
  let rows = 0;
  const header: RosterHeader = { optional: new Set() };
  for await (const { line, row, error } of rosterRows(path, header)) {
    if (error !== undefined || !row) {
      errors.push({ line, message: error ?? 'unreadable line' });
    } else {
      rows++;
      const seenOn = candidateLine.get(row.candidate_id);
      if (seenOn !== undefined) errors.push({ line, message: `candidate ${row.candidate_id} is already on line ${seenOn}` });
      else candidateLine.set(row.candidate_id, line);
      const district = centerDistrict.get(row.center_id);
      if (district !== undefined && district !== row.district_id) {
        errors.push({ line, message: `center ${row.center_id} is in district ${district} on an earlier line, not ${row.district_id}` });
      } else centerDistrict.set(row.center_id, row.district_id);
      districts.add(row.district_id);
    }
    if (errors.length >= maxErrors) break;
  }
  if (options.sittingId !== undefined && errors.length === 0) {
    const [sitting] = await runQuery(sql, 'sitting-summary', [options.sittingId]);
    if (!sitting) errors.push({ line: 0, message: `sitting ${options.sittingId} does not exist` });
  }
  const result = { rows, districts: districts.size, centers: centerDistrict.size, candidates: candidateLine.size, enrolled: 0, errors };
  if (errors.length > 0) return { ...result, rows: 0, districts: 0, centers: 0, candidates: 0, ms: performance.now() - started };

  let written = 0;
  await sql.begin(async (txSql) => {
    const tx = txSql as unknown as Sql;
    let batch: RosterRow[] = [];
    const flush = async () => {
      await writeBatch(tx, batch, header, options.sittingId);
      written += batch.length;
      batch = [];
      options.onProgress?.(written);
    };
    for await (const { row } of rosterRows(path)) {
      if (!row) continue; // checked clean above; the file is read again, not held
      batch.push(row);
      if (batch.length >= batchSize) await flush();
    }
    if (batch.length > 0) await flush();
  });
  return { ...result, enrolled: options.sittingId !== undefined ? written : 0, ms: performance.now() - started };
}

/** One statement per table for a batch; ids repeat within a batch (many candidates per center), so they are deduplicated first. */
async function writeBatch(tx: Sql, batch: RosterRow[], header: RosterHeader, sittingId: string | undefined): Promise<void> {
  const districts = new Map(batch.map((r) => [r.district_id, r.district_name]));
  const centers = new Map(batch.map((r) => [r.center_id, r]));
  await runQuery(tx, 'upsert-districts', [[...districts.keys()], [...districts.values()]]);
  await runQuery(tx, 'upsert-centers', [[...centers.keys()], [...centers.values()].map((c) => c.district_id), [...centers.values()].map((c) => c.center_name)]);
  await runQuery(tx, 'upsert-roster-candidates', [
    batch.map((r) => r.candidate_id),
    batch.map((r) => r.center_id),
    batch.map((r) => r.candidate_name),
    batch.map((r) => r.extra_time_min * 60),
    batch.map((r) => r.batch),
    batch.map((r) => r.slot),
    header.optional.has('batch'),
    header.optional.has('slot'),
  ]);
  if (sittingId !== undefined) await runQuery(tx, 'enroll-candidates', [sittingId, batch.map((r) => r.candidate_id)]);
}
