import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { ARCHIVE_TABLES, deleteRows, digestRows, fileOf, selectRows, type ArchiveTable } from './archive-tables.js';
import { readBackJsonLinesGz, writeJsonLinesGz, type WrittenFile } from './jsonl-gz.js';

export const ARCHIVE_FORMAT = 'examhall-archive/1';
const CURSOR_ROWS = 2000;

export interface ArchiveOptions {
  sittingId: string;
  outDir: string;
  purge: boolean;
  actor: string;
}

export interface ArchivedTable extends WrittenFile {
  table: string;
  file: string;
  /** digestRows() of the exported rows, from the export's snapshot */
  digest: string;
}

export interface ArchiveResult {
  sittingId: string;
  outDir: string;
  manifest: string;
  manifestSha256: string;
  tables: ArchivedTable[];
  purged: boolean;
}

/**
 * Archives a closed sitting: its rows of every hot table (archive-tables.ts) to `outDir` as gzipped
 * JSON Lines, one file per table, read from one snapshot with a cursor; then a manifest with row
 * counts and sha256 of each file. Every file is re-read and checked against the manifest before
 * anything is purged. With `purge`, deletes the same rows in one transaction that may delete from
 * the append-only tables (migration 009) and refuses if any count differs from the files'.
 */
export async function archiveSitting(sql: Sql, o: ArchiveOptions): Promise<ArchiveResult> {
  await assertClosed(sql, o.sittingId, o.purge);
  const outDir = resolve(o.outDir);
  const manifestPath = join(outDir, 'manifest.json');
  const taken = [manifestPath, ...ARCHIVE_TABLES.map((t) => join(outDir, fileOf(t)))].filter((f) => existsSync(f));
  if (taken.length > 0) throw new ExamhallError('CONFLICT', `${taken[0]} exists already (an earlier archive): choose another --out`);
  mkdirSync(outDir, { recursive: true });

  const { sitting, tables } = await exportSnapshot(sql, o.sittingId, outDir);
  for (const t of tables) {
    const back = await readBackJsonLinesGz(join(outDir, t.file));
    if (back.rows !== t.rows || back.sha256 !== t.sha256) {
      throw new Error(`archive file ${t.file} does not read back as written (${back.rows} rows, sha256 ${back.sha256}); nothing purged`);
    }
  }
  const manifest = `${JSON.stringify({ format: ARCHIVE_FORMAT, sitting_id: o.sittingId, created_at: new Date().toISOString(), sitting, tables }, null, 2)}\n`;
  writeFileSync(manifestPath, manifest, { flag: 'wx' });
  const manifestSha256 = createHash('sha256').update(manifest).digest('hex');

  if (o.purge) await purgeSitting(sql, o, tables, manifestSha256, outDir);
  else await audit(sql, o, { out: outDir, manifest_sha256: manifestSha256, purged: false, rows: rowCounts(tables) });
  return { sittingId: o.sittingId, outDir, manifest: manifestPath, manifestSha256, tables, purged: o.purge };
}

/**
 * A purge waits this long after the window (plus grace) closed: answers accepted just before the
 * close may still sit in the queue (a worker outage holds them longer), and the flush of a purged
 * attempt's batch would find no attempt to write to.
 */
export const PURGE_SETTLE_S = 15 * 60;

/** Refuses a sitting whose window (plus grace) is still open or which has attempts not yet final. */
async function assertClosed(sql: Sql, sittingId: string, purge: boolean): Promise<void> {
  const [s] = await sql.unsafe<{ closes_at: Date; open: boolean; settling: boolean; active: number }[]>(
    `SELECT s.closes_at, s.closes_at + make_interval(secs => s.grace_s) > now() AS open,
            s.closes_at + make_interval(secs => s.grace_s + ${PURGE_SETTLE_S}) > now() AS settling,
            (SELECT count(*)::int FROM attempts a WHERE a.sitting_id = s.id AND a.status IN ('lobby', 'in_progress')) AS active
     FROM sittings s WHERE s.id = $1`,
    [sittingId],
  );
  if (!s) throw new ExamhallError('NOT_FOUND', `no sitting ${sittingId}`);
  if (s.open) throw new ExamhallError('CONFLICT', `sitting ${sittingId} is still open (closes ${s.closes_at.toISOString()}, plus grace); archive it after it closes`);
  if (s.active > 0) throw new ExamhallError('CONFLICT', `sitting ${sittingId} has ${s.active} attempt(s) still in the lobby or in progress; archive it once they are finalised`);
  if (purge && s.settling) throw new ExamhallError('CONFLICT', `sitting ${sittingId} closed less than ${PURGE_SETTLE_S / 60} minutes ago: answers may still be queued; archive without --purge now, purge later`);
}

/** Every table's rows from one REPEATABLE READ snapshot, so the files agree with each other. */
async function exportSnapshot(sql: Sql, sittingId: string, outDir: string): Promise<{ sitting: object; tables: ArchivedTable[] }> {
  return (await sql.begin('isolation level repeatable read read only', async (tx) => {
    const [sitting] = await tx.unsafe('SELECT * FROM sittings WHERE id = $1', [sittingId]);
    const tables: ArchivedTable[] = [];
    for (const t of ARCHIVE_TABLES) {
      const written = await writeJsonLinesGz(join(outDir, fileOf(t)), tx.unsafe(selectRows(t), [sittingId]).cursor(CURSOR_ROWS));
      tables.push({ table: t.table, file: fileOf(t), ...written, digest: await digestOf(tx as unknown as Sql, t, sittingId) });
    }
    return { sitting: sitting!, tables };
  })) as { sitting: object; tables: ArchivedTable[] };
}

/** One transaction: allowed through the append-only triggers for this sitting only (SET LOCAL), counts must match the files. */
async function purgeSitting(sql: Sql, o: ArchiveOptions, tables: ArchivedTable[], manifestSha256: string, outDir: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe('SELECT id FROM sittings WHERE id = $1 FOR UPDATE', [o.sittingId]);
    await assertClosed(tx as unknown as Sql, o.sittingId, true);
    await tx.unsafe("SELECT set_config('examhall.archiving', $1, true)", [o.sittingId]);
    for (const t of ARCHIVE_TABLES) {
      const archived = tables.find((a) => a.table === t.table)!;
      const digest = await digestOf(tx as unknown as Sql, t, o.sittingId);
      const deleted = (await tx.unsafe(deleteRows(t), [o.sittingId])).count;
      if (deleted !== archived.rows) {
        throw new ExamhallError('CONFLICT', `${t.table}: ${deleted} rows now, ${archived.rows} in the archive (rows changed since the export); nothing purged, run the archive again`);
      }
      if (digest !== archived.digest) {
        throw new ExamhallError('CONFLICT', `${t.table}: rows changed since the export (same count, other content); nothing purged, run the archive again`);
      }
    }
    await tx.unsafe("SELECT set_config('examhall.archiving', '', true)");
    await audit(tx as unknown as Sql, o, { out: outDir, manifest_sha256: manifestSha256, purged: true, rows: rowCounts(tables) });
  });
}

async function digestOf(sql: Sql, t: ArchiveTable, sittingId: string): Promise<string> {
  const [row] = await sql.unsafe<{ digest: string }[]>(digestRows(t), [sittingId]);
  return row!.digest;
}

const rowCounts = (tables: ArchivedTable[]) => Object.fromEntries(tables.map((t) => [t.table, t.rows]));

async function audit(sql: Sql, o: ArchiveOptions, details: object): Promise<void> {
  await runQuery(sql, 'insert-audit', [o.actor, 'sitting.archived', null, JSON.stringify(details), o.sittingId]);
}
