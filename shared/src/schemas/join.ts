import { z } from 'zod';
import { AttemptId, EpochMs } from './ids.js';
import { Paper } from './exam.js';
import { StoredAnswer } from './answers.js';

/** `terminated`: ended early by a proctor (final, like a submit). */
export const AttemptStatus = z.enum(['not_started', 'lobby', 'in_progress', 'submitted', 'auto_submitted', 'terminated']);
export type AttemptStatus = z.infer<typeof AttemptStatus>;

/** client → server `exam:join` */
export const JoinRequest = z.object({ protocolVersion: z.number().int().positive() });
export type JoinRequest = z.infer<typeof JoinRequest>;

/**
 * ack of `exam:join` when accepted (and the payload of `exam:started` when a lobby opens).
 * In the lobby (`status: 'lobby'`) there is no paper and no clock yet: `paper`, `startedAt` and
 * `deadline` are null until the start signal.
 */
export const JoinReply = z.object({
  attemptId: AttemptId,
  status: AttemptStatus,
  paper: Paper.nullable(),
  answers: z.array(StoredAnswer),
  startedAt: EpochMs.nullable(),
  /** in the lobby: when the sitting is planned to start (its window opening), for a countdown; the signal may come later */
  scheduledStart: EpochMs.nullable(),
  /** answers received after deadline + graceMs are refused; while paused, the deadline if the pause ended now */
  deadline: EpochMs.nullable(),
  graceMs: z.number().int().nonnegative(),
  paused: z.boolean(),
  /** a proctor holds the attempt: no answers or submit until unlocked; the clock keeps running */
  locked: z.boolean(),
  /** server clock when the reply was built, for the SDK's offset estimate */
  serverTime: EpochMs,
});
export type JoinReply = z.infer<typeof JoinReply>;
