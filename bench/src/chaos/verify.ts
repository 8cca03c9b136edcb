import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../../../server/src/store/db.js';
import { mergeAcked, verifyStored, type AckedSeqs } from '../answers/verify.js';
import type { AcceptedReport } from './ipc.js';

const here = dirname(fileURLToPath(import.meta.url));
const COUNT_NOT_HIGHEST = readFileSync(join(here, 'sql/count-not-highest.sql'), 'utf8');
/** the answer bench's duplicate count: answer_events (one row per version) and answers (one per question) */
const COUNT_DUPLICATES = readFileSync(join(here, '../answers/sql/count-duplicates.sql'), 'utf8');

export interface StoredCheck {
  /** (attempt, question) pairs checked */
  checked: number;
  /** accepted answers whose (attempt, question) holds a lower seq (or nothing) */
  lost: number;
  /** attempts holding an answer whose seq is not the highest accepted one */
  notHighest: number;
  /** duplicate rows in answer_events + answers over every attempt of the run */
  dupTotal: number;
}

export function acceptedSeqs(reports: AcceptedReport[]): AckedSeqs {
  const merged: AckedSeqs = new Map();
  for (const r of reports) mergeAcked(merged, r);
  return merged;
}

/**
 * Compares what the clients were told (queued or committed) with Postgres, after the queue
 * drained. `allAttempts`: every attempt of the run, for the duplicate count.
 */
export async function checkStored(sql: Sql, accepted: AckedSeqs, allAttempts: string[]): Promise<StoredCheck> {
  const { lost, checked } = await verifyStored(sql, accepted);
  const a: string[] = [];
  const q: string[] = [];
  const s: number[] = [];
  for (const [attemptId, questions] of accepted) {
    for (const [questionId, seq] of questions) {
      a.push(attemptId);
      q.push(questionId);
      s.push(seq);
    }
  }
  const [nh] = await sql.unsafe(COUNT_NOT_HIGHEST, [a, q, s] as never[]);
  const [d] = await sql.unsafe(COUNT_DUPLICATES, [allAttempts] as never[]);
  return {
    checked,
    lost,
    notHighest: Number(nh?.attempts ?? 0),
    dupTotal: Number(d?.event_dups ?? 0) + Number(d?.answer_dups ?? 0),
  };
}
