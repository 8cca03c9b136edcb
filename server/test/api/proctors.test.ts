/**
 * Proctor accounts through the HTTP API, against real Postgres and Redis and a real gateway:
 * create (generated password shown once, only a hash stored), scope validated against the roster,
 * sign-in (public) to a token that watches exactly its scope on /proctor, the same answer for a
 * wrong password and an unknown account, the per-account rate limit, and a disabled account refused
 * with its connected dashboard closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type Ack, type RosterSnapshot } from '@examhall/shared';
import { SIGN_IN_LIMITS } from '../../src/auth/sign-in-limiter.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestApi, type TestApi } from '../helpers/api.js';
import { connectRefusal, connected, rawEmit, rawProctor } from '../helpers/raw-client.js';
import { Opened, disconnection, seatsOf, type Seat } from '../security/helpers.js';
import type { TestNode } from '../helpers/node.js';

let env: TestEnv;
let api: TestApi;
let node: TestNode;
let seats: Seat[];
const opened = new Opened();
const PASSWORD = 'correct horse battery staple';
let clientNo = 0;

beforeAll(async () => {
  // the API is called in-process from 127.0.0.1, taken as a trusted proxy: each sign-in below comes
  // from its own X-Forwarded-For address, so the per-address limit does not mix into the per-account one
  env = await createTestEnv({ TRUSTED_PROXIES: ['127.0.0.1'] });
  node = await opened.node(env.config);
  api = await startTestApi(env);
  opened.onClose(() => api.close());
  seats = await seatsOf(env.sql, env.seeded.sittingId);
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

function signIn(proctorId: string, password: string, sittingId = env.seeded.sittingId) {
  return api.app.inject({
    method: 'POST',
    url: '/api/v1/proctor-sign-in',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++clientNo}` },
    payload: JSON.stringify({ proctorId, password, sittingId }),
  });
}

async function watch(token: string): Promise<{ socket: Socket; snapshot: RosterSnapshot }> {
  const socket = opened.socket(rawProctor(node.port, token));
  await connected(socket);
  const reply = (await rawEmit(socket, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION })) as Ack<RosterSnapshot>;
  if (!reply.ok) throw new Error(`watch refused: ${reply.error.code}`);
  return { socket, snapshot: reply.data };
}

async function createWithScope(id: string, centers: string[]) {
  expect((await api.call('POST', '/api/v1/proctors', { body: { id, name: `Proctor ${id}`, password: PASSWORD } })).statusCode).toBe(201);
  const scoped = await api.call('PUT', `/api/v1/proctors/${id}/scopes/${env.seeded.sittingId}`, { body: { role: 'proctor', centers } });
  expect(scoped.statusCode, scoped.body).toBe(200);
}

describe('proctor accounts', () => {
  it('creates an account with a generated password shown once, stores only its scrypt hash, refuses the same id again', async () => {
    const created = await api.call('POST', '/api/v1/proctors', { body: { id: 'p-gen', name: 'Generated' } });
    expect(created.statusCode).toBe(201);
    const { password } = created.json() as { password: string };
    expect(password).toHaveLength(24);
    const [row] = await env.sql<Array<{ password_hash: string }>>`SELECT password_hash FROM proctor_accounts WHERE id = 'p-gen'`;
    expect(row!.password_hash).toMatch(/^scrypt\$/);
    expect(row!.password_hash).not.toContain(password);
    const again = await api.call('POST', '/api/v1/proctors', { body: { id: 'p-gen', name: 'Again', password: PASSWORD } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('CONFLICT');
    const short = await api.call('POST', '/api/v1/proctors', { body: { id: 'p-short', name: 'Short', password: 'short' } });
    expect(short.json().error.code).toBe('BAD_REQUEST');
    const listed = (await api.call('GET', '/api/v1/proctors')).json().proctors;
    expect(listed).toContainEqual(expect.objectContaining({ id: 'p-gen', name: 'Generated', disabledAt: null, scopes: [] }));
    expect(JSON.stringify(listed)).not.toContain('scrypt');
  });

  it('checks a scope against the sitting, districts and centers that exist', async () => {
    await api.call('POST', '/api/v1/proctors', { body: { id: 'p-scope', name: 'Scope', password: PASSWORD } });
    const put = (sittingId: string, body: unknown) => api.call('PUT', `/api/v1/proctors/p-scope/scopes/${sittingId}`, { body });
    const unknownCenter = await put(env.seeded.sittingId, { role: 'proctor', centers: [seats[0]!.center, 'no-such-center'] });
    expect(unknownCenter.statusCode).toBe(404);
    expect(unknownCenter.json().error).toMatchObject({ code: 'NOT_FOUND', detail: 'unknown center no-such-center' });
    expect((await put('no-such-sitting', { role: 'admin' })).json().error.code).toBe('SITTING_NOT_FOUND');
    expect((await put(env.seeded.sittingId, { role: 'proctor' })).json().error.code).toBe('BAD_REQUEST');
    expect((await api.call('PUT', `/api/v1/proctors/nobody/scopes/${env.seeded.sittingId}`, { body: { role: 'admin' } })).json().error.code).toBe('NOT_FOUND');
    const ok = await put(env.seeded.sittingId, { role: 'proctor', districts: [seats[0]!.district] });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().scope).toEqual({ sittingId: env.seeded.sittingId, role: 'proctor', districts: [seats[0]!.district], centers: [] });
    const listed = (await api.call('GET', '/api/v1/proctors')).json().proctors as Array<{ id: string; scopes: unknown[] }>;
    expect(listed.find((p) => p.id === 'p-scope')!.scopes).toEqual([ok.json().scope]);
  });

  it('signs in without an API key to a token that watches exactly its center on /proctor', async () => {
    const center = seats[0]!.center;
    await createWithScope('p-center', [center]);
    const res = await signIn('p-center', PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    const { token, scope, expiresAt } = res.json() as { token: string; scope: unknown; expiresAt: number };
    expect(scope).toEqual({ sittingId: env.seeded.sittingId, role: 'proctor', districts: [], centers: [center] });
    expect(expiresAt).toBeGreaterThan(Date.now());
    const { snapshot } = await watch(token);
    const expected = seats.filter((s) => s.center === center).map((s) => s.id);
    expect(snapshot.rows.map((r) => r.candidateId).sort()).toEqual(expected.sort());
    expect(snapshot.scope.centers).toEqual([center]);
  });

  it('answers a wrong password and an unknown account alike, and limits guesses per account', async () => {
    await createWithScope('p-guess', [seats[0]!.center]);
    const wrong = await signIn('p-guess', 'not the password at all');
    const unknown = await signIn('p-nobody', 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('SIGN_IN_FAILED');
    for (let i = 1; i < SIGN_IN_LIMITS.failuresPerAccount; i++) expect((await signIn('p-guess', `guess ${i} guess ${i}`)).statusCode).toBe(401);
    // the right password no longer helps: guessing cannot go on
    const limited = await signIn('p-guess', PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'SIGN_IN_RATE_LIMITED', retryable: true });
    // another account is not affected
    expect((await signIn('p-center', PASSWORD)).statusCode).toBe(200);
  });

  it('tells the right password for an account without a scope in the sitting SCOPE_FORBIDDEN', async () => {
    const res = await signIn('p-scope', PASSWORD, 'some-other-sitting');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('SCOPE_FORBIDDEN');
  });

  it('refuses a disabled account at sign-in, its tokens at the handshake, and closes its connected dashboard', async () => {
    await createWithScope('p-leaving', [seats[0]!.center]);
    const { token } = (await signIn('p-leaving', PASSWORD)).json() as { token: string };
    const { socket } = await watch(token);
    const closed = disconnection(socket);
    const disabled = await api.call('POST', '/api/v1/proctors/p-leaving/disable', { body: { reason: 'left the job' } });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().alreadyDisabled).toBe(false);
    expect(await closed).toBe('io server disconnect');
    const refused = await signIn('p-leaving', PASSWORD);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('SIGN_IN_FAILED');
    const again = await connectRefusal(opened.socket(rawProctor(node.port, token)));
    expect(again.data?.code).toBe('TOKEN_REVOKED');
    const [audited] = await env.sql`SELECT actor, reason FROM token_revocations WHERE subject_id = 'p-leaving' ORDER BY id DESC LIMIT 1`;
    expect(audited).toMatchObject({ actor: 'api:test-office', reason: 'left the job' });
    const listed = (await api.call('GET', '/api/v1/proctors')).json().proctors as Array<{ id: string; disabledAt: string | null }>;
    expect(listed.find((p) => p.id === 'p-leaving')!.disabledAt).not.toBeNull();
  });

  it('lists the routes in the OpenAPI document, the sign-in without security', async () => {
    const doc = (await api.call('GET', '/openapi.json', { key: null })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/proctors', '/api/v1/proctors/{id}/scopes/{sittingId}', '/api/v1/proctors/{id}/disable', '/api/v1/proctor-sign-in', '/api/v1/tokens', '/api/v1/tokens/revoke']));
    expect(doc.paths['/api/v1/proctor-sign-in'].post.security).toEqual([]);
  });
});
