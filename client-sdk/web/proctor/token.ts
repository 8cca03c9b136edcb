import { decodeTokenClaims } from '../../src/token.js';

const STORAGE_KEY = 'examhall:proctor:token';

/**
 * The proctor token: from the address `#token=...` (then removed from the address bar, so it is
 * not bookmarked, shared or kept in history), else from this tab's sessionStorage; without either
 * the dashboard asks to sign in (sign-in-form.ts).
 */
export function takeToken(): string | null {
  const hash = new URLSearchParams(location.hash.slice(1));
  const fromHash = hash.get('token');
  if (fromHash) {
    hash.delete('token');
    const rest = hash.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    remember(fromHash);
    return fromHash;
  }
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function remember(token: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, token);
  } catch {
    // private mode without storage: the token lives as long as the page
  }
}

export function forget(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}

/** Three dot-separated parts (a JWT); the server checks the rest at the handshake. */
export function looksLikeToken(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** The sitting a token is for (its `sit` claim, readable without the key), to prefill the sign-in form after signing out. */
export function sittingOfToken(token: string | null): string | undefined {
  if (!token) return undefined;
  const sit = decodeTokenClaims(token)?.sit;
  return typeof sit === 'string' ? sit : undefined;
}
