import { ERRORS, ExamhallError, isErrorCode, type ErrorCode, type ProtocolError } from '@examhall/shared';

/**
 * The shared error registry in words for a proctor (as exam/error-text.ts does for candidates),
 * for what can go wrong signing in or connecting. Codes not listed fall back to the registry's message.
 */
const PLAIN: Partial<Record<ErrorCode, string>> = {
  SIGN_IN_FAILED: 'This proctor ID and password do not match. Check both, or ask the exam office.',
  SIGN_IN_RATE_LIMITED: 'Too many sign-in attempts. Wait a few minutes, then try again.',
  SCOPE_FORBIDDEN: 'Your account has no centers or districts in this sitting. Check the sitting ID, or ask the exam office.',
  ROLE_FORBIDDEN: 'Your account may not open this dashboard. Ask the exam office.',
  BAD_REQUEST: 'Please fill in the sitting ID, your proctor ID and your password.',
  AUTH_REQUIRED: 'Please sign in.',
  AUTH_INVALID: 'This sign-in is not valid any more. Please sign in again.',
  AUTH_EXPIRED: 'Your sign-in has expired. Please sign in again.',
  TOKEN_REVOKED: 'You were signed out by the exam office (your account or its scope changed). Please sign in again.',
  SITTING_NOT_FOUND: 'This sitting does not exist. Check the sitting ID.',
  PROTOCOL_VERSION_UNSUPPORTED: 'This dashboard is out of date. Please reload the page.',
  ORIGIN_NOT_ALLOWED: 'This page may not connect to the exam server. Ask the exam office.',
  GATEWAY_FULL: 'The exam server is busy right now. Try again in a moment.',
  TOO_MANY_CONNECTIONS: 'Too many connections from this network. Try again in a moment.',
  CONNECTION_LOST: 'The exam server could not be reached. Check the network, then try again.',
  STORE_UNAVAILABLE: 'The exam server is busy. Try again in a moment.',
  REDIS_UNAVAILABLE: 'The exam server is busy. Try again in a moment.',
  INTERNAL: 'Something went wrong on the exam server. Try again in a moment.',
  MALFORMED_SERVER_FRAME: 'The exam server answered something this page does not understand. Please reload the page.',
};

export function plainMessage(code: ErrorCode): string {
  return PLAIN[code] ?? ERRORS[code].message;
}

/** The code of anything thrown or reported by the SDK or the sign-in, if it carries one. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (error instanceof ExamhallError) return error.code;
  const code = (error as Partial<ProtocolError> | null | undefined)?.code;
  return isErrorCode(code) ? code : isErrorCode(error) ? error : undefined;
}

/** Words for any failure: registry codes in plain words, anything else generic. */
export function describeFailure(error: unknown): string {
  const code = errorCode(error);
  return code ? plainMessage(code) : 'Something went wrong. Try again, or reload the page.';
}
