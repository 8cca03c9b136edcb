import { ERRORS, ExamhallError, isErrorCode, type ErrorCode, type ProtocolError } from '@examhall/shared';

/**
 * The shared error registry in words a candidate understands, and what they can do about it.
 * Codes not listed fall back to the registry's own message.
 */
const PLAIN: Partial<Record<ErrorCode, string>> = {
  AUTH_REQUIRED: 'Please sign in with your exam token.',
  AUTH_INVALID: 'This token is not valid. Check that you copied all of it, or ask your invigilator for a new one.',
  AUTH_EXPIRED: 'Your token has expired. Ask your invigilator for a new one.',
  SIGN_IN_FAILED: 'This candidate ID and access code do not match. Check both, or ask your invigilator.',
  SIGN_IN_RATE_LIMITED: 'Too many attempts. Wait a few minutes, then try again, or ask your invigilator.',
  ORIGIN_NOT_ALLOWED: 'This exam page may not connect to the exam server. Please tell your invigilator.',
  GATEWAY_FULL: 'The exam server is busy right now. This page keeps trying to connect.',
  PROTOCOL_VERSION_UNSUPPORTED: 'This exam page is out of date. Please reload the page.',
  SITTING_NOT_FOUND: 'This exam session does not exist. Please check your token with your invigilator.',
  CANDIDATE_NOT_ENROLLED: 'You are not registered for this exam session. Please tell your invigilator.',
  SITTING_NOT_OPEN: 'The exam session has not opened yet. This page keeps trying; you do not need to do anything.',
  SITTING_CLOSED: 'This exam session has closed.',
  ATTEMPT_FORBIDDEN: 'This exam belongs to someone else. Please tell your invigilator.',
  ATTEMPT_NOT_FOUND: 'Your exam could not be found. Please tell your invigilator.',
  ATTEMPT_CLOSED: 'Your exam has already been handed in.',
  ATTEMPT_NOT_STARTED: 'The exam has not started yet.',
  ATTEMPT_PAUSED: 'The exam is paused by the proctor.',
  ATTEMPT_LOCKED: 'A proctor has locked your exam. Please wait until it is unlocked.',
  DEADLINE_PASSED: 'This answer arrived after the time was up, so it was not accepted.',
  SECTION_CLOSED: 'The time for this section is over, so this answer was not accepted.',
  QUESTION_UNKNOWN: 'This answer could not be accepted. Please tell your invigilator.',
  OPTION_UNKNOWN: 'This answer could not be accepted. Please tell your invigilator.',
  ANSWER_TYPE_MISMATCH: 'This answer does not fit the question, so it was not accepted.',
  BAD_REQUEST: 'This answer could not be accepted. Please tell your invigilator.',
  OVERLOADED: 'The exam server is busy. Your answers are kept on this device and sent again automatically.',
  QUEUE_UNAVAILABLE: 'The exam server is busy. Your answers are kept on this device and sent again automatically.',
  STORE_UNAVAILABLE: 'The exam server is busy. Your answers are kept on this device and sent again automatically.',
  REDIS_UNAVAILABLE: 'The exam server is busy. Please try again in a moment.',
  INTERNAL: 'Something went wrong on the exam server. Your answers are kept on this device and sent again automatically.',
  ACK_TIMEOUT: 'The exam server did not answer in time. Your answers are kept on this device.',
  CONNECTION_LOST: 'The connection to the exam server was lost. Your answers are kept on this device.',
  STORAGE_FAILED: 'This browser could not store your answers on this device. They are still being sent; please do not close this window.',
};

export function plainMessage(code: ErrorCode): string {
  return PLAIN[code] ?? ERRORS[code].message;
}

/** The code of anything thrown or reported by the SDK, if it carries one. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (error instanceof ExamhallError) return error.code;
  const code = (error as Partial<ProtocolError> | null | undefined)?.code;
  return isErrorCode(code) ? code : undefined;
}

/** Words for any failure: registry codes in plain words, anything else generic. */
export function describeFailure(error: unknown): string {
  const code = errorCode(error);
  return code ? plainMessage(code) : 'Something went wrong. Your answers are kept on this device. Please tell your invigilator if this keeps happening.';
}

/** Codes that mean the token itself is no good: sign in again. */
export function isSignInProblem(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'AUTH_INVALID' || code === 'AUTH_EXPIRED' || code === 'AUTH_REQUIRED' || code === 'TOKEN_REVOKED';
}

export function isRetryable(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && ERRORS[code].retryable;
}
