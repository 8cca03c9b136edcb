import { z } from 'zod';
import { AttemptId, EpochMs } from './ids.js';
import { Paper } from './exam.js';
import { StoredAnswer } from './answers.js';

export const AttemptStatus = z.enum(['not_started', 'lobby', 'in_progress', 'submitted', 'auto_submitted', 'locked']);
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
  /** answers received after deadline + graceMs are refused; while paused, the deadline if the pause ended now */
  deadline: EpochMs.nullable(),
  graceMs: z.number().int().nonnegative(),
  paused: z.boolean(),
  /** server clock when the reply was built, for the SDK's offset estimate */
  serverTime: EpochMs,
});
export type JoinReply = z.infer<typeof JoinReply>;
