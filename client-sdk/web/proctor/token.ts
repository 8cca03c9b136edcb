import { byTestId, setText } from './dom.js';

const STORAGE_KEY = 'examhall:proctor:token';

/**
 * The proctor token: from the address `#token=...` (then removed from the address bar, so it is
 * not bookmarked, shared or kept in history), else from this tab's sessionStorage, else pasted.
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

/** Shows the paste form (with why, e.g. "the token has expired") and resolves with the pasted token. */
export function askForToken(reason?: string): Promise<string> {
  const form = byTestId<HTMLFormElement>('token-form');
  const input = byTestId<HTMLTextAreaElement>('token-input');
  setText(byTestId('token-error'), reason ?? '');
  form.hidden = false;
  byTestId('dashboard').hidden = true;
  input.focus();
  return new Promise((resolve) => {
    const submit = (event: Event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (!token) return;
      form.removeEventListener('submit', submit);
      form.hidden = true;
      byTestId('dashboard').hidden = false;
      input.value = '';
      remember(token);
      resolve(token);
    };
    form.addEventListener('submit', submit);
  });
}
