import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ACCESS_CODE_ALPHABET, ExamhallError, type SignInReply, type SignInRequest } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import type { RedisClient } from '../store/redis.js';
import { runQuery } from '../store/queries.js';
import type { TokenService } from './tokens.js';
import { SIGN_IN_LIMITS as LIMITS, SignInLimiter } from './sign-in-limiter.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
/** scrypt cost: ~20 ms a check on this box, so a guessing flood costs the server little and the guesser a lot */
const SCRYPT = { N: 1 << 14, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** Sign-in attempts: wrong codes allowed per candidate per window, and requests per address per minute. */
export const SIGN_IN_LIMITS = {
  failuresPerCandidate: LIMITS.failuresPerAccount,
  candidateWindowS: LIMITS.accountWindowS,
  requestsPerAddress: LIMITS.requestsPerAddress,
  addressWindowS: LIMITS.addressWindowS,
};

/** A new random access code (10 characters, ~49 bits), printed once and stored only as a hash. */
export function newAccessCode(): string {
  return Array.from({ length: 10 }, () => ACCESS_CODE_ALPHABET[randomInt(ACCESS_CODE_ALPHABET.length)]).join('');
}

export async function hashAccessCode(code: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(code, salt, KEY_LENGTH, SCRYPT);
  return `scrypt$${SCRYPT.N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function accessCodeMatches(code: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scryptAsync(code, Buffer.from(salt, 'base64'), expected.length, { ...SCRYPT, N: Number(n) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

let decoy: Promise<string> | undefined;
export const decoyHash = () => (decoy ??= hashAccessCode(newAccessCode()));

/** Issues fresh codes to these candidates of the sitting (all of them when `candidateIds` is empty). */
export async function issueAccessCodes(sql: Sql, sittingId: string, candidateIds: string[] = []): Promise<{ candidateId: string; accessCode: string }[]> {
  const [sitting] = await runQuery(sql, 'sitting-summary', [sittingId]);
  if (!sitting) throw new ExamhallError('SITTING_NOT_FOUND', `no sitting ${sittingId}`);
  const enrolled = (await runQuery<{ candidate_id: string }>(sql, 'sitting-candidate-ids', [sittingId])).map((r) => r.candidate_id);
  // a list is checked whole before any code is made: a typo is named, not silently skipped
  const ids = candidateIds.length > 0 ? [...new Set(candidateIds)] : enrolled;
  if (candidateIds.length > 0) {
    const known = new Set(enrolled);
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) throw new ExamhallError('NOT_FOUND', `not enrolled in sitting ${sittingId}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`);
  }
  const issued: { candidateId: string; accessCode: string }[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500).map((candidateId) => ({ candidateId, accessCode: newAccessCode() }));
    const hashes = await Promise.all(chunk.map((c) => hashAccessCode(c.accessCode)));
    const stored = new Set((await runQuery<{ candidate_id: string }>(sql, 'upsert-access-codes', [sittingId, chunk.map((c) => c.candidateId), hashes])).map((r) => r.candidate_id));
    issued.push(...chunk.filter((c) => stored.has(c.candidateId)));
  }
  return issued;
}

/**
 * Exchanges a candidate id and access code for a candidate token. Rate-limited in Redis (shared by
 * every gateway): per address, and per candidate for wrong codes. A wrong code and an unknown
 * candidate get the same answer, so the endpoint does not tell who is enrolled.
 */
export class AccessCodeSignIn {
  private readonly limiter: SignInLimiter;
  constructor(private readonly deps: { sql: Sql; redis: RedisClient; tokens: TokenService; prefix: string; ttlS: number }) {
    this.limiter = new SignInLimiter(deps.redis, deps.prefix, 'sign-in');
  }

  async signIn(request: SignInRequest, address: string): Promise<SignInReply> {
    const account = `${request.sittingId}:${request.candidateId}`;
    await this.limiter.admit(address, account);
    const [row] = await runQuery<{ code_hash: string }>(this.deps.sql, 'find-access-code', [request.sittingId, request.candidateId]);
    // an unknown candidate costs the same scrypt as a wrong code: the timing does not tell who is enrolled
    const matches = await accessCodeMatches(request.accessCode, row?.code_hash ?? (await decoyHash()));
    if (!row || !matches) {
      await this.limiter.failed(account);
      throw new ExamhallError('SIGN_IN_FAILED');
    }
    const expiresAt = Date.now() + this.deps.ttlS * 1000;
    const token = await this.deps.tokens.issueCandidateToken({ candidateId: request.candidateId, sittingId: request.sittingId }, this.deps.ttlS);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }
}
