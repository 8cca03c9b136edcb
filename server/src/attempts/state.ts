import type { AttemptStatus } from '@examhall/shared';
import type { DeadlineInputs } from '../exam/deadline.js';

/** An attempt's row with its sitting's and candidate's timing columns (lock-attempt.sql, find-attempt-context.sql). */
export interface AttemptTimingRow {
  attempt_id: string | null;
  status: AttemptStatus | null;
  started_at: Date | null;
  deadline_at: Date | null;
  extension_s: number | null;
  paused_at: Date | null;
  paused_ms: number | null;
  submitted_at: Date | null;
  locked_at: Date | null;
  exam_id: string;
  exam_version: number;
  closes_at: Date;
  duration_s: number;
  grace_s: number;
  extra_time_s: number;
  extra_time_multiplier: number;
}

export const FINAL_STATUSES: ReadonlySet<AttemptStatus> = new Set(['submitted', 'auto_submitted', 'terminated']);

/** The deadline's parts, or null while the attempt's clock has not started (lobby). */
export function deadlineInputsOf(row: AttemptTimingRow): DeadlineInputs | null {
  if (!row.started_at) return null;
  return {
    startedAt: row.started_at.getTime(),
    durationS: row.duration_s,
    windowClosesAt: row.closes_at.getTime(),
    extraTimeS: row.extra_time_s,
    extraTimeMultiplier: Number(row.extra_time_multiplier),
    extensionS: row.extension_s ?? 0,
    pausedMs: row.paused_ms ?? 0,
    pausedAt: row.paused_at ? row.paused_at.getTime() : null,
  };
}
