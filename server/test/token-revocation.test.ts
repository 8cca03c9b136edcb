/**
 * Token revocation end to end, against real Postgres and Redis and two real gateways (B is a gateway
 * only, so the revocation notice must cross the Socket.IO adapter): a candidate's tokens revoked
 * through the API are refused at the next handshake with TOKEN_REVOKED and its connected socket is
 * closed; tokens issued after the revocation work; one token revoked by jti leaves the subject's
 * other tokens alone; proctors likewise. The Redis mirror is rebuilt from Postgres after Redis lost
 * its keys, Postgres answers while Redis is unreachable, and a revocation Redis cannot take is not
 * recorded at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamhallError } from '@examhall/shared';
import { createLogger } from '../src/observability/logger.js';
import { connectRedis } from '../src/store/redis.js';
import { RevocationChecker, TokenRevoker, revocationKeys } from '../src/auth/revocations.js';
import { TokenService } from '../src/auth/tokens.js';
import { createTestEnv, deleteRedisKeys, waitFor, type TestEnv } from './helpers/env.js';
import { startTestApi, type TestApi } from './helpers/api.js';
import { connectRefusal, connected, rawConnect, rawJoin, rawProctor } from './helpers/raw-client.js';
import { Opened, disconnection } from './security/helpers.js';
import type { TestNode } from './helpers/node.js';

let env: TestEnv;
let api: TestApi;
let nodeA: TestNode;
let nodeB: TestNode;
const opened = new Opened();

beforeAll(async () => {
  env = await createTestEnv();
  nodeA = await opened.node(env.config, 'all');
  nodeB = await opened.node(env.config, 'gateway', { GATEWAY_ID: `${env.config.GATEWAY_ID}-b` });
  api = await startTestApi(env);
  opened.onClose(() => api.close());
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const candidate = (n: number) => env.seeded.candidateIds[n]!;

async function issue(body: object): Promise<{ token: string; jti: string }> {
  const res = await api.call('POST', '/api/v1/tokens', { body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}
const candidateToken = (n: number) => issue({ candidateId: candidate(n), sittingId: env.seeded.sittingId });

async function joined(port: number, token: string) {
  const socket = opened.socket(rawConnect(port, token));
  await connected(socket);
  await rawJoin(socket);
  return socket;
}
const refusedWith = async (port: number, token: string) => (await connectRefusal(opened.socket(rawConnect(port, token)))).data?.code;

async function revoke(body: object) {
  const res = await api.call('POST', '/api/v1/tokens/revoke', { body });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { revocationId: number; notBeforeMs?: number; jti?: string };
}

describe('revoking a candidate', () => {
  it("refuses its earlier tokens at the handshake on every gateway and closes its socket on the other gateway; a token issued after works", async () => {
    const before = await candidateToken(0);
    const socket = await joined(nodeB.port, before.token);
    const closed = disconnection(socket);
    const revoked = await revoke({ candidateId: candidate(0), sittingId: env.seeded.sittingId, reason: 'impersonation reported' });
    expect(revoked.notBeforeMs).toBeGreaterThan(0);
    expect(await closed).toBe('io server disconnect');
    expect(await refusedWith(nodeA.port, before.token)).toBe('TOKEN_REVOKED');
    expect(await refusedWith(nodeB.port, before.token)).toBe('TOKEN_REVOKED');
    // a token issued after the revocation (the candidate signs in again, cleared) is valid
    const after = await candidateToken(0);
    const again = await joined(nodeA.port, after.token);
    expect(again.connected).toBe(true);
    const [row] = await env.sql`SELECT actor, reason, subject_kind, subject_id, sitting_id FROM token_revocations WHERE id = ${revoked.revocationId}`;
    expect(row).toEqual({ actor: 'api:test-office', reason: 'impersonation reported', subject_kind: 'candidate', subject_id: candidate(0), sitting_id: env.seeded.sittingId });
    const [audit] = await env.sql`SELECT actor FROM audit_log WHERE action = 'token.revoke' AND details->>'candidateId' = ${candidate(0)}`;
    expect(audit).toEqual({ actor: 'api:test-office' });
    // the reuse of a revoked token is a security event: audited with whose token it was
    await waitFor(async () => (await env.sql`SELECT 1 FROM audit_log WHERE action = 'security.token_revoked' AND details->>'detail' = ${`candidate:${candidate(0)}`}`).length > 0, 5000, 'the security audit row');
  });

  it('by jti: only that token; the same candidate in another sitting is not touched by a subject revocation', async () => {
    const [one, two] = [await candidateToken(1), await candidateToken(1)];
    const socket = await joined(nodeA.port, one.token);
    const closed = disconnection(socket);
    expect((await revoke({ jti: one.jti })).jti).toBe(one.jti);
    expect(await closed).toBe('io server disconnect');
    expect(await refusedWith(nodeA.port, one.token)).toBe('TOKEN_REVOKED');
    expect((await joined(nodeB.port, two.token)).connected).toBe(true);
    // a subject revocation names its sitting: the candidate's token for another sitting passes the check
    await revoke({ candidateId: candidate(2), sittingId: 'another-sitting' });
    expect((await joined(nodeA.port, (await candidateToken(2)).token)).connected).toBe(true);
  });
});

describe('revoking a proctor', () => {
  it('closes its dashboard and refuses its earlier tokens; a new token works', async () => {
    const scope = { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] };
    const first = await issue({ proctorId: 'p-revoked', scope });
    const socket = opened.socket(rawProctor(nodeB.port, first.token));
    await connected(socket);
    const closed = disconnection(socket);
    await revoke({ proctorId: 'p-revoked' });
    expect(await closed).toBe('io server disconnect');
    expect((await connectRefusal(opened.socket(rawProctor(nodeA.port, first.token)))).data?.code).toBe('TOKEN_REVOKED');
    const fresh = opened.socket(rawProctor(nodeA.port, (await issue({ proctorId: 'p-revoked', scope })).token));
    await connected(fresh);
  });
});

describe('the Redis mirror', () => {
  it('is rebuilt from Postgres when Redis lost its keys (restart without persistence, flush)', async () => {
    const token = await candidateToken(3);
    await revoke({ jti: token.jti });
    const keys = revocationKeys(env.config);
    const redis = connectRedis(env.config, {});
    try {
      // what a Redis restarted empty looks like to this test's keys
      await deleteRedisKeys(env.config.REDIS_URL, `${env.config.REDIS_PREFIX}:revocations:*`);
      expect(await redis.exists(keys.token(token.jti), keys.loaded)).toBe(0);
      expect(await refusedWith(nodeA.port, token.token)).toBe('TOKEN_REVOKED');
      expect(await redis.exists(keys.token(token.jti), keys.loaded)).toBe(2);
      const ttl = await redis.pttl(keys.token(token.jti));
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(env.config.TOKEN_TTL_S * 1000);
    } finally {
      redis.disconnect();
    }
  });

  it('is bypassed for Postgres while Redis is unreachable', async () => {
    const revokedToken = await candidateToken(4);
    await revoke({ jti: revokedToken.jti });
    const tokens = new TokenService(env.config);
    const unreachable = connectRedis({ ...env.config, REDIS_URL: 'redis://127.0.0.1:1' }, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    unreachable.on('error', () => undefined);
    const checker = new RevocationChecker({ sql: env.sql, redis: unreachable, config: env.config, logger: createLogger(env.config, 'test') });
    const subject = async (token: string) => {
      const claims = await tokens.verifyCandidateToken(token);
      return { kind: 'candidate' as const, subjectId: claims.candidateId, sittingId: claims.sittingId, tokenId: claims.tokenId, issuedAtMs: claims.issuedAtMs };
    };
    try {
      await expect(checker.check(await subject(revokedToken.token))).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
      await expect(checker.check(await subject((await candidateToken(4)).token))).resolves.toBeUndefined();
      // and the subject watermark: candidate 0 was revoked above, its new tokens were issued after
      await expect(checker.check({ ...(await subject((await candidateToken(0)).token)), issuedAtMs: 1 })).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    } finally {
      unreachable.disconnect();
    }
  });

  it('refuses a revocation Redis cannot take with REDIS_UNAVAILABLE and records nothing', async () => {
    const unreachable = connectRedis({ ...env.config, REDIS_URL: 'redis://127.0.0.1:1' }, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    unreachable.on('error', () => undefined);
    const revoker = new TokenRevoker({ sql: env.sql, redis: unreachable, config: env.config, logger: createLogger(env.config, 'test') });
    try {
      const err = await revoker.revoke({ jti: 'never-recorded' }, 'test').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExamhallError);
      expect((err as ExamhallError).code).toBe('REDIS_UNAVAILABLE');
      expect(await env.sql`SELECT id FROM token_revocations WHERE jti = 'never-recorded'`).toHaveLength(0);
    } finally {
      unreachable.disconnect();
    }
  });
});

describe('the tokens API', () => {
  it('refuses a candidate not enrolled, a life beyond TOKEN_TTL_S, an unknown center and an ambiguous revocation', async () => {
    const code = async (url: string, body: object) => (await api.call('POST', url, { body })).json().error?.code;
    expect(await code('/api/v1/tokens', { candidateId: 'nobody', sittingId: env.seeded.sittingId })).toBe('CANDIDATE_NOT_ENROLLED');
    expect(await code('/api/v1/tokens', { candidateId: candidate(5), sittingId: env.seeded.sittingId, ttlS: env.config.TOKEN_TTL_S + 1 })).toBe('BAD_REQUEST');
    expect(await code('/api/v1/tokens', { proctorId: 'p', scope: { sittingId: env.seeded.sittingId, role: 'proctor', centers: ['nowhere'] } })).toBe('NOT_FOUND');
    expect(await code('/api/v1/tokens/revoke', { jti: 'x', proctorId: 'p' })).toBe('BAD_REQUEST');
    expect((await api.call('POST', '/api/v1/tokens/revoke', { body: { jti: 'x' }, key: null })).statusCode).toBe(401);
  });
});
