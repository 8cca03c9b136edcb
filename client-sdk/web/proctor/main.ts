/**
 * The proctor dashboard: a live roster of the token's scope with filters, sorting, a feed and
 * actions. Served at /proctor/ by the gateway; connects to the same origin.
 */
import { ExamhallError } from '@examhall/shared';
import { ProctorClient } from '../../src/proctor/index.js';
import { Dashboard } from './dashboard.js';
import { askForToken, forget, takeToken } from './token.js';

const REFUSED_FOR_GOOD = new Set(['AUTH_REQUIRED', 'AUTH_INVALID', 'AUTH_EXPIRED', 'SCOPE_FORBIDDEN', 'ROLE_FORBIDDEN', 'SITTING_NOT_FOUND', 'PROTOCOL_VERSION_UNSUPPORTED']);

async function main(): Promise<void> {
  const token = takeToken() ?? (await askForToken());
  const client = new ProctorClient({ url: location.origin, token });
  const dashboard = new Dashboard(client);

  /** connect() and watch() are awaited: a refusal lands in the catch, not in the listener below */
  let running = false;
  const signIn = async (reason: string) => {
    forget();
    client.setToken(await askForToken(reason));
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
      if (error instanceof ExamhallError && REFUSED_FOR_GOOD.has(error.code)) return signIn(`${error.code}: ${error.error.message}`);
      dashboard.showError(String(error));
    }
  };
  // a refusal on a later reconnect (the token expired meanwhile): nobody awaits it
  client.on('connection', (state, detail) => {
    if (state === 'refused' && !running) void signIn(`Signed out (${detail ?? 'token refused'}); paste a new token.`);
  });
  await run();
}

void main();
