import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../../../server/src/store/db.js';

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), 'sql');
const COUNT_LOST = readFileSync(join(sqlDir, 'count-lost.sql'), 'utf8');
const COUNT_DUPLICATES = readFileSync(join(sqlDir, 'count-duplicates.sql'), 'utf8');
/** Rows per statement: keeps each parameter array well under Postgres' message limits. */
const CHUNK = 20_000;

/** attemptId → questionId → highest acked seq, merged from every load process. */
export type AckedSeqs = Map<string, Map<string, number>>;

export function mergeAcked(into: AckedSeqs, report: Array<[attemptId: string, questions: Array<[string, number]>]>): void {
  for (const [attemptId, questions] of report) {
    let perQuestion = into.get(attemptId);
    if (!perQuestion) into.set(attemptId, (perQuestion = new Map()));
    for (const [questionId, seq] of questions) {
      if ((perQuestion.get(questionId) ?? 0) < seq) perQuestion.set(questionId, seq);
    }
  }
}

export interface Verification {
  checked: number;
  lost: number;
  missing: number;
  dup: number;
  eventRows: number;
  answerRows: number;
}

/** Compares what the candidates were told ("queued") with what Postgres holds. */
export async function verifyStored(sql: Sql, acked: AckedSeqs): Promise<Verification> {
  const rows: Array<[string, string, number]> = [];
  for (const [attemptId, questions] of acked) for (const [questionId, seq] of questions) rows.push([attemptId, questionId, seq]);
  let lost = 0;
  let missing = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const [r] = await sql.unsafe(COUNT_LOST, [chunk.map((x) => x[0]), chunk.map((x) => x[1]), chunk.map((x) => x[2])] as never[]);
    lost += Number(r?.lost ?? 0);
    missing += Number(r?.missing ?? 0);
  }
  const [d] = await sql.unsafe(COUNT_DUPLICATES, [[...acked.keys()]] as never[]);
  return {
    checked: rows.length,
    lost,
    missing,
    dup: Number(d?.event_dups ?? 0) + Number(d?.answer_dups ?? 0),
    eventRows: Number(d?.events ?? 0),
    answerRows: Number(d?.answers ?? 0),
  };
}
