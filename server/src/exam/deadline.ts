/**
 * Deadline arithmetic, in one place. The server decides time; these inputs all come from Postgres.
 *
 *   deadline = min(window close, start + duration + extra time + extensions) + time spent paused
 *
 * Extra time is the candidate's accommodation: fixed seconds plus (multiplier − 1) × duration.
 * While a pause runs, the deadline keeps moving later with the clock; `pausedAt` marks that.
 */
export interface DeadlineInputs {
  /** epoch ms */
  startedAt: number;
  durationS: number;
  /** epoch ms */
  windowClosesAt: number;
  extraTimeS: number;
  extraTimeMultiplier: number;
  extensionS: number;
  pausedMs: number;
  /** epoch ms when the running pause began, or null */
  pausedAt: number | null;
}

/** Mirrors the SQL function attempt_deadline() (migration 002). */
export function unpausedDeadline(i: DeadlineInputs): number {
  // the multiplier is numeric(4,2) in Postgres: work in hundredths so rounding matches SQL's exactly
  const multiplierExtraS = Math.round(((Math.round(i.extraTimeMultiplier * 100) - 100) * i.durationS) / 100);
  const seconds = i.durationS + i.extraTimeS + multiplierExtraS + i.extensionS;
  return Math.min(i.windowClosesAt, i.startedAt + seconds * 1000) + i.pausedMs;
}

/** The deadline as of `now`: a running pause counts as if it ended now. */
export function deadlineAt(i: DeadlineInputs, now: number): number {
  return unpausedDeadline(i) + (i.pausedAt === null ? 0 : Math.max(0, now - i.pausedAt));
}

/** True when an answer received at `receivedAt` still counts. A paused attempt takes no answers. */
export function acceptsAnswerAt(i: DeadlineInputs, graceMs: number, receivedAt: number): boolean {
  return i.pausedAt === null && receivedAt <= unpausedDeadline(i) + graceMs;
}

/**
 * When a timed section closes: its limit counts from the attempt's start, scaled by the multiplier,
 * moved by extensions and pauses like the attempt, and never after the attempt's own deadline.
 */
export function sectionClosesAt(i: DeadlineInputs, timeLimitS: number, now: number): number {
  return Math.min(deadlineAt(i, now), deadlineAt({ ...i, durationS: timeLimitS, extraTimeS: 0 }, now));
}
