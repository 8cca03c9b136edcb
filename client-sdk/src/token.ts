import { ExamhallError } from '@examhall/shared';

/**
 * Reads a JWT's payload claims WITHOUT verifying the signature: the server verifies; the SDK only
 * needs `sub` (candidate) and `sit` (sitting) to key its outbox. Browser-safe (atob, TextDecoder).
 */
export function decodeTokenClaims(token: string): Record<string, unknown> | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `examhall:outbox:${sub}:${sit}`: one outbox per candidate and sitting, so a reload finds its own answers. */
export function outboxKeyForToken(token: string): string {
  const claims = decodeTokenClaims(token);
  const sub = claims?.sub;
  const sit = claims?.sit;
  const usable = (claim: unknown) => (typeof claim === 'string' && claim.length > 0) || typeof claim === 'number';
  if (!usable(sub) || !usable(sit)) {
    throw new ExamhallError('AUTH_INVALID', 'the token has no sub/sit claims to key the outbox by; pass storageKey');
  }
  return `examhall:outbox:${String(sub)}:${String(sit)}`;
}
