import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_PATH } from '@examhall/shared';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { startTestNode } from './helpers/node.js';
import { connected, rawConnect, rawJoin } from './helpers/raw-client.js';
import { issueAccessCodes, SIGN_IN_LIMITS } from '../src/auth/access-codes.js';

/** Sign-in with an access code at the gateway, against the real Postgres and Redis. */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let codes: Map<string, string>;

beforeAll(async () => {
  // the test client plays the proxy: its X-Forwarded-For is believed
  env = await createTestEnv({ TRUSTED_PROXIES: ['127.0.0.1'] });
  node = await startTestNode(env.config);
  codes = new Map((await issueAccessCodes(env.sql, env.seeded.sittingId, ['cand-000001', 'cand-000002', 'cand-000003'])).map((c) => [c.candidateId, c.accessCode]));
});
afterAll(async () => {
  await node?.close();
  await env?.cleanup();
});

function post(body: unknown, contentType = 'application/json', forwardedFor?: string) {
  const headers: Record<string, string> = { 'content-type': contentType, ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) };
  return fetch(`http://127.0.0.1:${node.port}${SIGN_IN_PATH}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
}
const request = (candidateId: string, accessCode: string) => ({ sittingId: env.seeded.sittingId, candidateId, accessCode });

describe('sign-in with an access code', () => {
  it('stores only hashes, and exchanges a right code (any case, with spaces) for a token that joins', async () => {
    const stored = await env.sql.unsafe<{ candidate_id: string; code_hash: string }[]>('SELECT candidate_id, code_hash FROM access_codes');
    expect(stored).toHaveLength(3);
    for (const row of stored) {
      expect(row.code_hash).toMatch(/^scrypt\$/);
      expect(row.code_hash).not.toContain(codes.get(row.candidate_id));
    }
    const code = codes.get('cand-000001')!;
    const typed = `${code.slice(0, 5).toLowerCase()} ${code.slice(5)}`;
    const response = await post(request('cand-000001', typed));
    expect(response.status).toBe(200);
    const { token, expiresAt } = (await response.json()) as { token: string; expiresAt: number };
    expect(expiresAt).toBeGreaterThan(Date.now());
    const socket = rawConnect(node.port, token);
    await connected(socket);
    expect((await rawJoin(socket)).status).toBe('in_progress');
    socket.disconnect();
  });

  it('answers a wrong code and an unknown candidate alike, and limits guesses per candidate', async () => {
    const wrong = await post(request('cand-000002', 'ABCDEFGHJK'));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'SIGN_IN_FAILED', retryable: false } });
    const unknown = await post(request('cand-009999', 'ABCDEFGHJK'));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 'SIGN_IN_FAILED' } });
    for (let i = 1; i < SIGN_IN_LIMITS.failuresPerCandidate; i++) await post(request('cand-000002', 'ABCDEFGHJK'));
    // the limit holds even for the right code now: guessing cannot go on
    const limited = await post(request('cand-000002', codes.get('cand-000002')!));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ error: { code: 'SIGN_IN_RATE_LIMITED', retryable: true } });
    // another candidate is not affected
    expect((await post(request('cand-000003', codes.get('cand-000003')!))).status).toBe(200);
  });

  it('refuses malformed requests with coded errors', async () => {
    const bad = await post({ sittingId: env.seeded.sittingId, candidateId: 'cand-000001', accessCode: 'short' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    expect((await post('not json')).status).toBe(400);
    expect((await post('{}', 'text/plain')).status).toBe(415);
    expect((await post('x'.repeat(10_000))).status).toBe(413);
  });

  it('limits requests per client address behind a trusted proxy, not per proxy', async () => {
    const body = request('cand-000003', codes.get('cand-000003')!);
    // 40 clients behind the proxy, one request each: none is limited by the others
    for (let i = 1; i <= 40; i++) expect((await post(body, 'application/json', `203.0.113.${i}`)).status, `client ${i}`).toBe(200);
    // one client that floods is
    let limited = 0;
    for (let i = 0; i < 35; i++) if ((await post(body, 'application/json', '198.51.100.9')).status === 429) limited++;
    expect(limited).toBe(35 - 30);
  });
});

describe('sign-in while Redis cannot count attempts', () => {
  it('is refused with the retryable REDIS_UNAVAILABLE, not as too many attempts', async () => {
    const { Redis } = await import('ioredis');
    const { SignInLimiter } = await import('../src/auth/sign-in-limiter.js');
    const { freePort } = await import('./helpers/processes.js');
    // a real client towards a port where nothing listens, failing fast like the gateway's
    const unreachable = new Redis({ port: await freePort(), enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    unreachable.on('error', () => undefined);
    try {
      const limiter = new SignInLimiter(unreachable, env.config.REDIS_PREFIX, 'sign-in');
      await expect(limiter.admit('203.0.113.9', 'cand-000001')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE', error: { retryable: true } });
    } finally {
      unreachable.disconnect();
    }
  });
});
