import type { AttemptStatus } from '@examhall/shared';
import { isFinalStatus, type FinalStatus } from './client-events.js';

/** What a join reply, `exam:started` and `attempt:updated` say about the attempt's state and clock. */
export interface AttemptTiming {
  status: AttemptStatus;
  deadline: number | null;
  graceMs: number;
  paused: boolean;
  locked: boolean;
  serverTime: number;
}

/**
 * The attempt as the server last described it: status, deadline, pause and lock. Pure
 * bookkeeping, no I/O: the client feeds it every join reply, update and submit reply, and asks it
 * what the countdown shows and whether answers may go out.
 *
 * - paused: the clock stops. The server reports the deadline "if the pause ended now" with its
 *   serverTime, so their difference is the time left, exact and independent of our clock estimate;
 *   it stays put until the resume.
 * - locked: a proctor holds the attempt (reversible). The clock keeps running; the server refuses
 *   answers and submit, so they wait in the outbox.
 */
export class AttemptState {
  private currentStatus: AttemptStatus | undefined;
  private deadlineMs: number | null = null;
  private grace = 0;
  private isPaused = false;
  private isLocked = false;
  private plannedStart: number | null = null;
  /** while paused: the remaining time when the pause was reported */
  private frozenRemainingMs: number | undefined;

  get status(): AttemptStatus | undefined {
    return this.currentStatus;
  }

  /** Server epoch ms. While paused: the deadline as if the pause had ended when it was reported. */
  get deadline(): number | null {
    return this.deadlineMs;
  }

  get graceMs(): number {
    return this.grace;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get locked(): boolean {
    return this.isLocked;
  }

  /** From the last join reply: in the lobby, when the sitting is planned to start (server epoch ms). */
  get scheduledStart(): number | null {
    return this.plannedStart;
  }

  get final(): boolean {
    return isFinalStatus(this.currentStatus);
  }

  /** The server takes answers now: running, neither paused nor locked. */
  get acceptsAnswers(): boolean {
    return this.currentStatus === 'in_progress' && !this.isPaused && !this.isLocked;
  }

  /** Takes over what the server said; returns whether the attempt just became final. */
  apply(timing: AttemptTiming): boolean {
    const wasFinal = this.final;
    this.currentStatus = timing.status;
    this.deadlineMs = timing.deadline;
    this.grace = timing.graceMs;
    this.isPaused = timing.paused;
    this.isLocked = timing.locked;
    this.frozenRemainingMs = timing.paused && timing.deadline !== null ? Math.max(0, timing.deadline - timing.serverTime) : undefined;
    return !wasFinal && this.final;
  }

  /** A join reply also says when a lobby is planned to open. */
  applyScheduledStart(scheduledStart: number | null): void {
    this.plannedStart = scheduledStart;
  }

  /** A submit reply: final, no pause or lock left. Returns whether the attempt just became final. */
  applySubmitted(status: FinalStatus): boolean {
    const wasFinal = this.final;
    this.currentStatus = status;
    this.isPaused = false;
    this.isLocked = false;
    this.frozenRemainingMs = undefined;
    return !wasFinal;
  }

  /**
   * Time left on the server's clock (`serverNow`), never below 0; frozen while paused, running
   * while locked. `null` before the first join, in the lobby and without a deadline; 0 once final.
   */
  remainingMs(serverNow: number): number | null {
    const status = this.currentStatus;
    if (status === undefined || status === 'lobby' || status === 'not_started') return null;
    if (isFinalStatus(status)) return 0;
    if (this.frozenRemainingMs !== undefined) return this.frozenRemainingMs;
    if (this.deadlineMs === null) return null;
    return Math.max(0, this.deadlineMs - serverNow);
  }
}
