/**
 * A proctor's sign-in at the gateway (POST /api/proctor-sign-in), against real Postgres and Redis:
 * the token it gives watches exactly its center on /proctor; refusals carry the same codes and
 * statuses as the candidates' sign-in; and its guess counter is the office API's one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, PROCTOR_SIGN_IN_PATH, PROTOCOL_VERSION, ProctorSignInReply, type Ack, type RosterSnapshot } from '@examhall/shared';
import { createProctorAccount, setProctorScope } from '../src/auth/proctor-accounts.js';
import { SIGN_IN_LIMITS } from '../src/auth/sign-in-limiter.js';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import { connected, rawEmit, rawProctor } from './helpers/raw-client.js';
import type { TestNode } from './helpers/node.js';
import { Opened, seatsOf, type Seat } from './security/helpers.js';

let env: TestEnv;
let node: TestNode;
let api: TestApi;
let seats: Seat[];
let centers: string[];
const opened = new Opened();
const PASSWORD = 'correct horse battery staple';
let clientNo = 0;

beforeAll(async () => {
  // the test plays the proxy: each request comes from its own X-Forwarded-For address, so the
  // per-address limit does not mix into the per-account one
  env = await createTestEnv({ TRUSTED_PROXIES: ['127.0.0.1'] });
  node = await opened.node(env.config);
  api = await startTestApi(env);
  opened.onClose(() => api.close());
  seats = await seatsOf(env.sql, env.seeded.sittingId);
  centers = [...new Set(seats.map((s) => s.center))];
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

async function accountWithCenter(id: string, center: string): Promise<void> {
  await createProctorAccount(env.sql, { id, name: `Proctor ${id}`, password: PASSWORD }, 'test');
  await setProctorScope(env.sql, id, { sittingId: env.seeded.sittingId, role: 'proctor', districts: [], centers: [center] }, 'test');
}

function gatewaySignIn(body: unknown, contentType = 'application/json') {
  return fetch(`http://127.0.0.1:${node.port}${PROCTOR_SIGN_IN_PATH}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-forwarded-for': `198.51.100.${++clientNo}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
const request = (proctorId: string, password: string, sittingId = env.seeded.sittingId) => ({ sittingId, proctorId, password });

async function errorOf(response: Response): Promise<{ status: number; code: string; retryable: boolean }> {
  const body = (await response.json()) as { error: { code: string; retryable: boolean } };
  return { status: response.status, code: body.error.code, retryable: body.error.retryable };
}

describe('proctor sign-in at the gateway', () => {
  it('exchanges the password for a token (no cache) that watches exactly its center on /proctor', async () => {
    const [center, other] = centers;
    expect(other, 'the seed has two centers or more').toBeDefined();
    await accountWithCenter('p-gw', center!);
    const response = await gatewaySignIn(request('p-gw', PASSWORD));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const reply = ProctorSignInReply.parse(await response.json());
    expect(reply.scope).toEqual({ sittingId: env.seeded.sittingId, role: 'proctor', districts: [], centers: [center] });
    expect(reply.expiresAt).toBeGreaterThan(Date.now());

    const socket = opened.socket(rawProctor(node.port, reply.token));
    await connected(socket);
    const watched = (await rawEmit(socket, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION })) as Ack<RosterSnapshot>;
    if (!watched.ok) throw new Error(`watch refused: ${watched.error.code}`);
    const ids = watched.data.rows.map((r) => r.candidateId).sort();
    expect(ids).toEqual(seats.filter((s) => s.center === center).map((s) => s.id).sort());
    expect(ids.length).toBeGreaterThan(0);
    expect(watched.data.rows.every((r) => r.centerId === center)).toBe(true);
    socket.disconnect();
  });

  it('answers a wrong password and an unknown account alike: 401 SIGN_IN_FAILED', async () => {
    await accountWithCenter('p-wrong', centers[0]!);
    const wrong = await gatewaySignIn(request('p-wrong', 'not the password at all'));
    const unknown = await gatewaySignIn(request('p-nobody', 'not the password at all'));
    const [wrongBody, unknownBody] = [await wrong.json(), await unknown.json()];
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody).toMatchObject({ error: { code: 'SIGN_IN_FAILED', retryable: false, detail: 'the proctor id or password is not right' } });
  });

  it('counts wrong guesses together with the office API: 429 SIGN_IN_RATE_LIMITED on both, even for the right password', async () => {
    await accountWithCenter('p-guess', centers[0]!);
    const apiSignIn = (password: string) => api.app.inject({
      method: 'POST',
      url: '/api/v1/proctor-sign-in',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++clientNo}` },
      payload: JSON.stringify(request('p-guess', password)),
    });
    // half the guesses on the API, the rest at the gateway
    const onApi = Math.floor(SIGN_IN_LIMITS.failuresPerAccount / 2);
    for (let i = 0; i < onApi; i++) expect((await apiSignIn(`api guess number ${i}`)).statusCode).toBe(401);
    for (let i = onApi; i < SIGN_IN_LIMITS.failuresPerAccount; i++) expect((await errorOf(await gatewaySignIn(request('p-guess', `gateway guess ${i}`)))).status).toBe(401);
    expect(await errorOf(await gatewaySignIn(request('p-guess', PASSWORD)))).toEqual({ status: 429, code: 'SIGN_IN_RATE_LIMITED', retryable: true });
    const onApiNow = await apiSignIn(PASSWORD);
    expect(onApiNow.statusCode).toBe(429);
    expect(onApiNow.json().error.code).toBe('SIGN_IN_RATE_LIMITED');
    // another account is not affected
    expect((await gatewaySignIn(request('p-gw', PASSWORD))).status).toBe(200);
  });

  it('limits requests per client address', async () => {
    const from = (address: string) => fetch(`http://127.0.0.1:${node.port}${PROCTOR_SIGN_IN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
      body: JSON.stringify(request('p-gw', PASSWORD)),
    });
    const statuses: number[] = [];
    for (let i = 0; i < SIGN_IN_LIMITS.requestsPerAddress + 2; i++) statuses.push((await from('203.0.113.77')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(SIGN_IN_LIMITS.requestsPerAddress);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  });

  it('tells the right password in a sitting where the account has no scope 403 SCOPE_FORBIDDEN', async () => {
    expect(await errorOf(await gatewaySignIn(request('p-gw', PASSWORD, 'some-other-sitting')))).toEqual({ status: 403, code: 'SCOPE_FORBIDDEN', retryable: false });
  });

  it('refuses malformed requests with coded errors', async () => {
    const missing = await gatewaySignIn({ sittingId: env.seeded.sittingId, proctorId: 'p-gw' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'BAD_REQUEST', detail: expect.stringContaining('password') } });
    expect((await errorOf(await gatewaySignIn(request('p-gw', 'x'.repeat(201))))).code).toBe('BAD_REQUEST');
    expect((await gatewaySignIn('not json')).status).toBe(400);
    expect((await gatewaySignIn('{}', 'text/plain')).status).toBe(415);
  });
});
