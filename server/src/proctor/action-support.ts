import type { ActionOutcome, ErrorCode } from '@examhall/shared';
import { FINAL_STATUSES } from '../attempts/state.js';
import type { TargetRow } from './targets.js';

/** What an action did: an outcome per targeted candidate, and more for its sitting-level audit row. */
export interface Performed {
  outcomes: ActionOutcome[];
  details?: Record<string, unknown>;
}

/** Targeted candidates whose attempt can still be acted on, and the outcomes of the others. */
export function splitOpen(rows: readonly TargetRow[]): { open: TargetRow[]; outcomes: ActionOutcome[] } {
  const open: TargetRow[] = [];
  const outcomes: ActionOutcome[] = [];
  for (const row of rows) {
    if (row.attemptId === null) outcomes.push(failed(row, 'ATTEMPT_NOT_STARTED'));
    else if (FINAL_STATUSES.has(row.status)) outcomes.push(failed(row, 'ATTEMPT_CLOSED'));
    else open.push(row);
  }
  return { open, outcomes };
}

export function failed(row: TargetRow, error: ErrorCode): ActionOutcome {
  return { candidateId: row.candidateId, ok: false, error };
}

export function byCandidate(outcomes: ActionOutcome[]): ActionOutcome[] {
  return outcomes.sort((a, b) => (a.candidateId < b.candidateId ? -1 : a.candidateId > b.candidateId ? 1 : 0));
}

export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function duration(seconds: number): string {
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return seconds > 60 ? `${Math.floor(seconds / 60)} min ${seconds % 60} s` : `${seconds} s`;
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
