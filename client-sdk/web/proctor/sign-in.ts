import { ExamhallError, PROCTOR_SIGN_IN_PATH, ProctorSignInReply, ProtocolErrorSchema } from '@examhall/shared';

/** The sitting a dashboard link names (`#sitting=…`), to prefill the sign-in form. */
export function sittingFromLink(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('sitting');
}

/** Exchanges a proctor account's id and password for a token at the gateway (same origin); throws ExamhallError. */
export async function signInWithPassword(sittingId: string, proctorId: string, password: string): Promise<ProctorSignInReply> {
  let response: Response;
  try {
    response = await fetch(PROCTOR_SIGN_IN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sittingId, proctorId, password }),
    });
  } catch {
    throw new ExamhallError('CONNECTION_LOST', 'sign-in request failed');
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const reply = ProctorSignInReply.safeParse(body);
    if (reply.success) return reply.data;
    throw new ExamhallError('MALFORMED_SERVER_FRAME', 'sign-in reply');
  }
  const error = ProtocolErrorSchema.safeParse((body as { error?: unknown } | null)?.error);
  throw error.success ? new ExamhallError(error.data.code, error.data.detail) : new ExamhallError('INTERNAL', `sign-in answered ${response.status}`);
}
