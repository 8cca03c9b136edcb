import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, SIGN_IN_PATH } from '@examhall/shared';
import { issueAccessCodes } from '../src/auth/access-codes.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';

// Its own file (so its own process): socket.io patches its adapter for uWS process-wide once a uWS app is attached.
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let socket: Socket | undefined;

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config, 'all', { WS_ENGINE: 'ws' });
});
afterAll(async () => {
  socket?.disconnect();
  await node?.close();
  await env?.cleanup();
});

describe('ws fallback engine', () => {
  it('serves the same protocol on the ws fallback engine', async () => {
    expect(node.gateway?.engineName).toBe('ws');
    const s = (socket = rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId)));
    await connected(s);
    const { attemptId } = await rawJoin(s);
    const committed = new Promise((resolve) => s.once(EVENTS.answerCommitted, resolve));
    const ack = await rawEmit(s, EVENTS.answerSave, { attemptId, questionId: 'q04', seq: 1, value: { kind: 'numeric', value: 7 } });
    expect(ack).toMatchObject({ ok: true, data: { status: 'queued' } });
    expect(await committed).toEqual({ attemptId, items: [{ questionId: 'q04', seq: 1 }] });
    expect((await fetch(`http://127.0.0.1:${node.port}/healthz`)).status).toBe(200);
  });

  it('serves the web apps, sign-in and metrics like the uWS engine', async () => {
    const base = `http://127.0.0.1:${node.port}`;
    const page = await fetch(`${base}/exam/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script[^>]+main\.js/);
    expect((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location')).toBe('/exam/');
    const [{ accessCode }] = (await issueAccessCodes(env.sql, env.seeded.sittingId, ['cand-000002'])) as [{ accessCode: string }, ...unknown[]];
    const signIn = (code: string) => fetch(`${base}${SIGN_IN_PATH}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sittingId: env.seeded.sittingId, candidateId: 'cand-000002', accessCode: code }),
    });
    expect((await signIn(accessCode)).status).toBe(200);
    expect(await (await signIn('ABCDEFGHJK')).json()).toMatchObject({ error: { code: 'SIGN_IN_FAILED' } });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^examhall_connections/m);
  });
});
