import { ExamhallError, PROCTOR_SIGN_IN_PATH, ProctorSignInReply, ProtocolErrorSchema, SIGN_IN_PATH, SignInReply } from '@examhall/shared';

/**
 * POSTs a sign-in to a gateway and returns its parsed reply; a refusal throws ExamhallError with
 * the server's code (SIGN_IN_FAILED, SIGN_IN_RATE_LIMITED, …), a network failure CONNECTION_LOST.
 * `base` is the gateway's URL; in a page served by the gateway, leave it out (same origin).
 */
/** The part of a zod schema used here (shared's schemas; no direct zod dependency in the SDK). */
interface ReplySchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

async function postSignIn<T>(path: string, body: object, reply: ReplySchema<T>, base?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(base === undefined ? path : new URL(path, base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ExamhallError('CONNECTION_LOST', 'sign-in request failed');
  }
  const parsedBody: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const parsed = reply.safeParse(parsedBody);
    if (parsed.success) return parsed.data;
    throw new ExamhallError('MALFORMED_SERVER_FRAME', 'sign-in reply');
  }
  const error = ProtocolErrorSchema.safeParse((parsedBody as { error?: unknown } | null)?.error);
  throw error.success ? new ExamhallError(error.data.code, error.data.detail) : new ExamhallError('INTERNAL', `sign-in answered ${response.status}`);
}

/** A candidate's id and access code for a candidate token (`POST /api/sign-in`). */
export const signInWithAccessCode = (request: { sittingId: string; candidateId: string; accessCode: string }, base?: string) =>
  postSignIn(SIGN_IN_PATH, request, SignInReply, base);

/** A proctor account's id and password for a proctor token with its scope (`POST /api/proctor-sign-in`). */
export const signInAsProctor = (request: { sittingId: string; proctorId: string; password: string }, base?: string) =>
  postSignIn(PROCTOR_SIGN_IN_PATH, request, ProctorSignInReply, base);

/** The sitting a sign-in link names (`#sitting=…`), to prefill a sign-in form. */
export function sittingFromLink(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('sitting');
}
