import { decodeTokenClaims } from '@examhall/client-sdk';

/**
 * Where the candidate's token comes from: a sign-in link (`#token=...`, removed from the address
 * bar at once so it is not left in the history or on screen), or the sign-in form. It is kept in
 * sessionStorage, which survives a reload of this tab but not closing it.
 */
const KEY = 'examhall:token';

/** Takes a token from the URL hash if there is one (and strips it), else the one kept for this tab. */
export function takeToken(): string | null {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromLink !== null) {
    history.replaceState(history.state, '', location.pathname + location.search);
    const token = fromLink.trim();
    if (looksLikeToken(token)) {
      keepToken(token);
      return token;
    }
  }
  return sessionStorage.getItem(KEY);
}

export function keepToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

/** A JWT with readable candidate and sitting claims (the server checks the rest). */
export function looksLikeToken(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  const claims = decodeTokenClaims(token);
  return claims !== null && claims.sub !== undefined && claims.sit !== undefined;
}
