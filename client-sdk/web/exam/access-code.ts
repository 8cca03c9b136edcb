import { ExamhallError, ProtocolErrorSchema, SIGN_IN_PATH, SignInReply } from '@examhall/shared';

/** The sitting a sign-in link names (`#sitting=…`), so the candidate types only their id and code. */
export function sittingFromLink(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get('sitting');
}

/** Exchanges a candidate id and access code for a token at the gateway's sign-in endpoint; throws ExamhallError. */
export async function signInWithAccessCode(sittingId: string, candidateId: string, accessCode: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(SIGN_IN_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sittingId, candidateId, accessCode }),
    });
  } catch {
    throw new ExamhallError('CONNECTION_LOST', 'sign-in request failed');
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.ok) {
    const reply = SignInReply.safeParse(body);
    if (reply.success) return reply.data.token;
    throw new ExamhallError('MALFORMED_SERVER_FRAME', 'sign-in reply');
  }
  const error = ProtocolErrorSchema.safeParse((body as { error?: unknown } | null)?.error);
  throw error.success ? new ExamhallError(error.data.code, error.data.detail) : new ExamhallError('INTERNAL', `sign-in answered ${response.status}`);
}
