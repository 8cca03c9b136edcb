/**
 * The proctor dashboard: a live roster of the token's scope with filters, sorting, a feed and
 * actions. Served at /proctor/ by the gateway; connects to the same origin. Without a token (from a
 * `#token=` link or kept for this tab) it asks the proctor to sign in with their account.
 */
import { ExamhallError } from '@examhall/shared';
import { ProctorClient } from '../../src/proctor/index.js';
import { decodeTokenClaims } from '../../src/token.js';
import { Dashboard } from './dashboard.js';
import { byTestId } from './dom.js';
import { describeFailure } from './error-text.js';
import { askToSignIn } from './sign-in-form.js';
import { forget, sittingOfToken, takeToken } from './token.js';

const REFUSED_FOR_GOOD = new Set(['AUTH_REQUIRED', 'AUTH_INVALID', 'AUTH_EXPIRED', 'TOKEN_REVOKED', 'SCOPE_FORBIDDEN', 'ROLE_FORBIDDEN', 'SITTING_NOT_FOUND', 'PROTOCOL_VERSION_UNSUPPORTED']);

/**
 * Forgets the token and starts afresh (a reload clears the previous account's roster from memory),
 * with the sitting prefilled. The token itself stays valid until it expires (the office can revoke it).
 */
function signOut(client: ProctorClient, token: string): void {
  forget();
  client.close();
  const sitting = sittingOfToken(token);
  history.replaceState(null, '', `${location.pathname}${location.search}${sitting ? `#sitting=${encodeURIComponent(sitting)}` : ''}`);
  location.reload();
}

async function main(): Promise<void> {
  let token = takeToken() ?? (await askToSignIn());
  const client = new ProctorClient({ url: location.origin, token });
  const dashboard = new Dashboard(client);
  const signOutButton = byTestId<HTMLButtonElement>('sign-out');
  const showWho = () => {
    const who = decodeTokenClaims(token)?.sub;
    signOutButton.textContent = typeof who === 'string' ? `Sign out ${who}` : 'Sign out';
  };
  showWho();
  signOutButton.hidden = false;
  signOutButton.addEventListener('click', () => signOut(client, token));

  /** connect() and watch() are awaited: a refusal lands in the catch, not in the listener below */
  let running = false;
  const signIn = async (reason: string) => {
    const sitting = sittingOfToken(token);
    forget();
    token = await askToSignIn(reason, sitting);
    showWho();
    client.setToken(token);
    await run();
  };
  const run = async (): Promise<void> => {
    running = true;
    try {
      await client.connect();
      await client.watch();
      running = false;
    } catch (error) {
      running = false;
      if (error instanceof ExamhallError && REFUSED_FOR_GOOD.has(error.code)) return signIn(describeFailure(error));
      dashboard.showError(String(error));
    }
  };
  // a refusal on a later reconnect (the token expired meanwhile): nobody awaits it
  client.on('connection', (state, detail) => {
    if (state === 'refused' && !running) void signIn(describeFailure(detail ?? 'AUTH_INVALID'));
  });
  await run();
}

void main();
