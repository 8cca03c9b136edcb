/**
 * What a sitting's archive holds: one entry per hot table, with the rows that belong to the sitting.
 * The same condition selects the rows to export and the rows to purge, so the two counts can be
 * compared. Listed in purge order (rows that reference an attempt before the attempts themselves).
 */

/** `$1` is the sitting id in every condition. */
const OF_SITTING_ATTEMPTS = 'attempt_id IN (SELECT a.id FROM attempts a WHERE a.sitting_id = $1)';

export interface ArchiveTable {
  table: string;
  where: string;
}

export const ARCHIVE_TABLES: readonly ArchiveTable[] = [
  { table: 'answer_events', where: OF_SITTING_ATTEMPTS },
  { table: 'answers', where: OF_SITTING_ATTEMPTS },
  { table: 'question_scores', where: OF_SITTING_ATTEMPTS },
  { table: 'presence_events', where: OF_SITTING_ATTEMPTS },
  { table: 'presence', where: OF_SITTING_ATTEMPTS },
  { table: 'alerts', where: OF_SITTING_ATTEMPTS },
  // the record of an earlier archive stays in the hot table: it is the proof of what was purged
  { table: 'audit_log', where: `(sitting_id = $1 OR ${OF_SITTING_ATTEMPTS}) AND action <> 'sitting.archived'` },
  { table: 'attempts', where: 'sitting_id = $1' },
];

export const selectRows = (t: ArchiveTable) => `SELECT * FROM ${t.table} WHERE ${t.where}`;
export const deleteRows = (t: ArchiveTable) => `DELETE FROM ${t.table} WHERE ${t.where}`;
/**
 * An order-independent digest of the rows' content (a sum of 60-bit slices of each row's md5): the
 * purge compares it with the export's, so a row changed since (an essay graded, say), not only a
 * row added or removed, stops the purge.
 */
export const digestRows = (t: ArchiveTable) =>
  `SELECT coalesce(sum(('x' || substr(md5(x::text), 1, 15))::bit(60)::bigint), 0)::text AS digest FROM ${t.table} x WHERE ${t.where}`;
export const fileOf = (t: ArchiveTable) => `${t.table}.jsonl.gz`;
