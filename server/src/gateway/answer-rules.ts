import { ExamhallError, type AnswerSaveRequest } from '@examhall/shared';
import { checkAnswerFitsPaper } from '../exam/content.js';
import { acceptsAnswerAt, sectionClosesAt } from '../exam/deadline.js';
import { FINAL_STATUSES } from '../attempts/state.js';
import type { JoinedAttempt } from './join.js';

/**
 * Whether this socket's attempt takes this answer now, by the server's clock. Throws the coded
 * refusal. Invariants 3 and 4: time is the server's, and only the socket's own attempt is written.
 */
export function checkAnswerAllowed(attempt: JoinedAttempt | undefined, request: AnswerSaveRequest, receivedAt: number): JoinedAttempt {
  if (!attempt) throw new ExamhallError('NOT_JOINED');
  if (request.attemptId !== attempt.attemptId) throw new ExamhallError('ATTEMPT_FORBIDDEN');
  if (FINAL_STATUSES.has(attempt.status)) throw new ExamhallError('ATTEMPT_CLOSED');
  const inputs = attempt.inputs;
  if (attempt.status === 'lobby' || !inputs) throw new ExamhallError('ATTEMPT_NOT_STARTED');
  if (inputs.pausedAt !== null) throw new ExamhallError('ATTEMPT_PAUSED');
  if (attempt.locked) throw new ExamhallError('ATTEMPT_LOCKED');
  if (!acceptsAnswerAt(inputs, attempt.graceMs, receivedAt)) throw new ExamhallError('DEADLINE_PASSED');
  const misfit = checkAnswerFitsPaper(attempt.content, request.questionId, request.value);
  if (misfit) throw new ExamhallError(misfit);
  const closedSection = closedSectionOf(attempt, request.questionId, receivedAt);
  if (closedSection !== null) throw new ExamhallError('SECTION_CLOSED', closedSection);
  return attempt;
}

/** The id of the question's timed section if that section's time is up at `at`, else null. */
export function closedSectionOf(attempt: JoinedAttempt, questionId: string, at: number): string | null {
  const sectionId = attempt.content.byId.get(questionId)?.question.section;
  const limit = sectionId === undefined ? undefined : attempt.content.sections.find((s) => s.id === sectionId)?.timeLimitS;
  if (limit === undefined || !attempt.inputs) return null;
  return at > sectionClosesAt(attempt.inputs, limit, at) + attempt.graceMs ? sectionId! : null;
}
