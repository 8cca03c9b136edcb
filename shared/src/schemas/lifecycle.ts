import { z } from 'zod';
import { AttemptId, EpochMs, ExternalId } from './ids.js';
import { StoredAnswer } from './answers.js';
import { AttemptStatus } from './join.js';

/** client → server `time:sync`: one NTP-style sample. The server never uses the client's time for a decision. */
export const TimeSyncRequest = z.object({ clientSentAt: z.number().finite() });
export type TimeSyncRequest = z.infer<typeof TimeSyncRequest>;

export const TimeSyncReply = z.object({ clientSentAt: z.number().finite(), serverTime: EpochMs });
export type TimeSyncReply = z.infer<typeof TimeSyncReply>;

/**
 * client → server `exam:submit`: the client's final answer map, so that whatever is still in flight
 * is written by the finalisation itself.
 */
export const SubmitRequest = z.object({
  attemptId: AttemptId,
  answers: z.array(StoredAnswer).max(1000),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;

/** ack of `exam:submit`: the attempt is final in Postgres. */
export const SubmitReply = z.object({
  status: z.enum(['submitted', 'auto_submitted', 'terminated']),
  submittedAt: EpochMs,
});
export type SubmitReply = z.infer<typeof SubmitReply>;

/** server → client `attempt:updated`: the attempt's timing or status changed (extension, pause, submit…). */
export const AttemptUpdated = z.object({
  attemptId: AttemptId,
  status: AttemptStatus,
  /** the current deadline; while paused, the deadline if the pause ended now */
  deadline: EpochMs.nullable(),
  graceMs: z.number().int().nonnegative(),
  paused: z.boolean(),
  /** a proctor holds the attempt (no answers, clock running) */
  locked: z.boolean(),
  reason: z.enum(['started', 'extended', 'paused', 'resumed', 'submitted', 'auto_submitted', 'locked', 'unlocked', 'terminated', 'retimed']),
  serverTime: EpochMs,
});
export type AttemptUpdated = z.infer<typeof AttemptUpdated>;

/** server → client `session:replaced`: another device joined this attempt; this socket is closed. */
export const SessionReplaced = z.object({ attemptId: AttemptId });
export type SessionReplaced = z.infer<typeof SessionReplaced>;

/** A timed section of the paper: answers to its questions are refused once its time is up. */
export const SectionTiming = z.object({ id: ExternalId, closesAt: EpochMs });
export type SectionTiming = z.infer<typeof SectionTiming>;
