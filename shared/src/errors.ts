/**
 * The one closed registry of error codes, shared by server and SDK.
 * Never reuse or rename a code: clients match on them. Add new ones at the end of a group.
 * `retryable: true` means "the same frame may succeed later" (the SDK backs off and resends).
 */
export const ERRORS = {
  // protocol and input
  BAD_REQUEST: { message: 'The frame does not match the protocol schema', retryable: false },
  PROTOCOL_VERSION_UNSUPPORTED: { message: 'This protocol version is not supported by the server', retryable: false },
  FRAME_TOO_LARGE: { message: 'The frame is larger than the server accepts', retryable: false },
  UNKNOWN_EVENT: { message: 'The server does not handle this event', retryable: false },

  // connection and authentication
  AUTH_REQUIRED: { message: 'A token is required in the handshake', retryable: false },
  AUTH_INVALID: { message: 'The token is invalid', retryable: false },
  AUTH_EXPIRED: { message: 'The token has expired', retryable: false },
  ORIGIN_NOT_ALLOWED: { message: 'This origin is not allowed to connect', retryable: false },
  GATEWAY_FULL: { message: 'This gateway is at its connection limit; retry later or elsewhere', retryable: true },
  SIGN_IN_FAILED: { message: 'The candidate id or access code is not right for this sitting', retryable: false },
  SIGN_IN_RATE_LIMITED: { message: 'Too many sign-in attempts; wait a few minutes and try again', retryable: true },
  TOO_MANY_CONNECTIONS: { message: 'Too many connections from this address; retry later', retryable: true },
  API_KEY_INVALID: { message: 'The API key is missing, unknown or revoked', retryable: false },
  TOKEN_REVOKED: { message: 'This token has been revoked', retryable: false },

  // attempt and paper
  NOT_JOINED: { message: 'Join the exam before saving answers', retryable: true },
  ATTEMPT_FORBIDDEN: { message: 'This attempt does not belong to the connected candidate', retryable: false },
  SITTING_NOT_FOUND: { message: 'The sitting in the token does not exist', retryable: false },
  CANDIDATE_NOT_ENROLLED: { message: 'The candidate is not enrolled in this sitting', retryable: false },
  SITTING_NOT_OPEN: { message: 'The sitting has not opened yet', retryable: true },
  SITTING_CLOSED: { message: 'The sitting window has closed', retryable: false },
  ATTEMPT_CLOSED: { message: 'The attempt has been submitted or terminated', retryable: false },
  DEADLINE_PASSED: { message: 'The answer arrived after the deadline', retryable: false },
  QUESTION_UNKNOWN: { message: 'The question is not part of this paper', retryable: false },
  OPTION_UNKNOWN: { message: 'An option id does not belong to this question', retryable: false },
  ANSWER_TYPE_MISMATCH: { message: 'The answer value does not fit the question type', retryable: false },
  ATTEMPT_NOT_STARTED: { message: 'The sitting has not started yet; wait in the lobby', retryable: true },
  ATTEMPT_PAUSED: { message: 'The attempt is paused; answers are accepted again when it resumes', retryable: true },
  SECTION_CLOSED: { message: 'The time for this section is over', retryable: false },
  ATTEMPT_NOT_FOUND: { message: 'No attempt has this id', retryable: false },
  ATTEMPT_LOCKED: { message: 'A proctor has locked this attempt; wait until it is unlocked', retryable: true },

  // proctor scope and roles
  SCOPE_FORBIDDEN: { message: 'The target is outside this proctor\'s centers or districts', retryable: false },
  ROLE_FORBIDDEN: { message: 'Only an administrator may do this', retryable: false },

  // capacity and dependencies
  OVERLOADED: { message: 'The server is busy; retry later', retryable: true },
  QUEUE_UNAVAILABLE: { message: 'The answer queue is unreachable; the answer was not accepted, retry later', retryable: true },
  STORE_UNAVAILABLE: { message: 'The database is unreachable; retry later', retryable: true },
  INTERNAL: { message: 'Unexpected server error; retry later', retryable: true },
  RATE_LIMITED: { message: 'This connection sends frames too fast; slow down and retry later', retryable: true },
  REDIS_UNAVAILABLE: { message: 'Redis is unreachable; retry later (the detail says what was done)', retryable: true },

  // exam office: HTTP API and CLI (authoring, roster, access, results)
  NOT_FOUND: { message: 'No such resource', retryable: false },
  IMPORT_INVALID: { message: 'The file has errors (listed by item or line); nothing was imported', retryable: false },
  CONFLICT: { message: 'This conflicts with what is stored (for example a version that exists with other content)', retryable: false },
  CHANGE_FROZEN: { message: "The sitting's window is open: its exam content and timing are frozen unless an override with a reason is given", retryable: false },
  PAYLOAD_TOO_LARGE: { message: 'The request body is larger than the server accepts', retryable: false },
  ATTEMPT_NOT_FINISHED: { message: 'The attempt is not finished (submitted, auto-submitted or terminated) yet', retryable: false },

  // raised by the SDK itself (never sent by the server)
  ACK_TIMEOUT: { message: 'No acknowledgement arrived in time; the frame is kept and sent again', retryable: true },
  CONNECTION_LOST: { message: 'The connection dropped before the acknowledgement; the frame is kept and sent again', retryable: true },
  MALFORMED_SERVER_FRAME: { message: 'A frame from the server did not match the protocol', retryable: true },
  STORAGE_FAILED: { message: 'The local outbox storage failed; answers are kept in memory and still sent', retryable: true },
} as const satisfies Record<string, { message: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERRORS;

/** The error object carried in every failed ack and in connect_error.data. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Optional human detail, e.g. which field failed validation. Never contains secrets. */
  detail?: string;
}

export function protocolError(code: ErrorCode, detail?: string): ProtocolError {
  const entry = ERRORS[code];
  const error: ProtocolError = { code, message: entry.message, retryable: entry.retryable };
  if (detail !== undefined) error.detail = detail.slice(0, 500);
  return error;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, value);
}

/** An Error carrying a ProtocolError, thrown inside the server and the SDK. */
export class ExamhallError extends Error {
  readonly error: ProtocolError;
  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'ExamhallError';
    this.error = protocolError(code, detail);
  }
  get code(): ErrorCode {
    return this.error.code;
  }
}
