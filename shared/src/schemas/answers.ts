import { z } from 'zod';
import { AttemptId, EpochMs, ExternalId, Seq } from './ids.js';
import { storableText } from './text.js';

/** What a candidate answers; `null` clears the answer. Which kind fits is decided by the question type. */
export const AnswerValue = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('choice'), optionIds: z.array(ExternalId).max(26) }),
    z.object({ kind: z.literal('numeric'), value: z.number().finite() }),
    z.object({ kind: z.literal('text'), text: storableText(5000) }), // short text and essays
  ])
  .nullable();
export type AnswerValue = z.infer<typeof AnswerValue>;

/** client → server `answer:save` */
export const AnswerSaveRequest = z.object({
  attemptId: AttemptId,
  questionId: ExternalId,
  seq: Seq,
  value: AnswerValue,
});
export type AnswerSaveRequest = z.infer<typeof AnswerSaveRequest>;

/** An answer as stored, returned on join so a resumed client knows what the server holds. */
export const StoredAnswer = z.object({
  questionId: ExternalId,
  seq: Seq,
  value: AnswerValue,
});
export type StoredAnswer = z.infer<typeof StoredAnswer>;

/** ack of `answer:save` when accepted: the answer is safe in Redis. */
export const AnswerQueued = z.object({
  status: z.literal('queued'),
  questionId: ExternalId,
  seq: Seq,
  receivedAt: EpochMs,
});
export type AnswerQueued = z.infer<typeof AnswerQueued>;

/** server → client `answer:committed`: these (question, seq) and everything older are in Postgres. */
export const AnswerCommitted = z.object({
  attemptId: AttemptId,
  items: z.array(z.object({ questionId: ExternalId, seq: Seq })).min(1),
});
export type AnswerCommitted = z.infer<typeof AnswerCommitted>;
