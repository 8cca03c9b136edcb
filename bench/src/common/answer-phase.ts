import { sleep } from '../answers/candidate.js';

/** What the answer phase needs of a candidate: the SDK driver (bench:answers) and the lean one (bench:capacity) both are. */
export interface AnsweringCandidate {
  readonly attemptId: string | undefined;
  readonly ackedSeq: Map<string, number>;
  answerUntil(measureFrom: number, endAt: number, intervalMs: number): Promise<void>;
  drain(timeoutMs: number): Promise<void>;
}

/**
 * Every candidate answers from `startAt` until `endAt`, then waits for its outbox to drain.
 * Returns, per attempt, the highest seq acked per question: what the loss check looks for in Postgres.
 */
export async function runAnswerPhase(
  candidates: readonly AnsweringCandidate[],
  msg: { startAt: number; measureFrom: number; endAt: number; intervalMs: number; drainTimeoutMs: number },
): Promise<Array<[attemptId: string, questions: Array<[questionId: string, seq: number]>]>> {
  const wait = msg.startAt - Date.now();
  if (wait > 0) await sleep(wait);
  await Promise.all(candidates.map((c) => c.answerUntil(msg.measureFrom, msg.endAt, msg.intervalMs)));
  await Promise.all(candidates.map((c) => c.drain(msg.drainTimeoutMs)));
  const acked: Array<[string, Array<[string, number]>]> = [];
  for (const c of candidates) if (c.attemptId && c.ackedSeq.size > 0) acked.push([c.attemptId, [...c.ackedSeq]]);
  return acked;
}
