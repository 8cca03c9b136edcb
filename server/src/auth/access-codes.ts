import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { ACCESS_CODE_ALPHABET, ExamhallError, type SignInReply, type SignInRequest } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import type { RedisClient } from '../store/redis.js';
import { runQuery } from '../store/queries.js';
import type { TokenService } from './tokens.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
/** scrypt cost: ~20 ms a check on this box, so a guessing flood costs the server little and the guesser a lot */
const SCRYPT = { N: 1 << 14, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** Sign-in attempts: wrong codes allowed per candidate per window, and requests per address per minute. */
export const SIGN_IN_LIMITS = { failuresPerCandidate: 5, candidateWindowS: 15 * 60, requestsPerAddress: 30, addressWindowS: 60 };

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
const decoyHash = () => (decoy ??= hashAccessCode(newAccessCode()));

/** Issues fresh codes to these candidates of the sitting (all of them when `candidateIds` is empty). */
export async function issueAccessCodes(sql: Sql, sittingId: string, candidateIds: string[] = []): Promise<{ candidateId: string; accessCode: string }[]> {
  const ids = candidateIds.length > 0 ? candidateIds : (await runQuery<{ candidate_id: string }>(sql, 'sitting-candidate-ids', [sittingId])).map((r) => r.candidate_id);
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
  constructor(private readonly deps: { sql: Sql; redis: RedisClient; tokens: TokenService; prefix: string; ttlS: number }) {}

  async signIn(request: SignInRequest, address: string): Promise<SignInReply> {
    const { redis, prefix } = this.deps;
    const addressKey = `${prefix}:sign-in:address:${address}`;
    const candidateKey = `${prefix}:sign-in:failures:${request.sittingId}:${request.candidateId}`;
    const [requests, failures] = await this.counts(addressKey, candidateKey);
    if (requests > SIGN_IN_LIMITS.requestsPerAddress || failures >= SIGN_IN_LIMITS.failuresPerCandidate) throw new ExamhallError('SIGN_IN_RATE_LIMITED');
    const [row] = await runQuery<{ code_hash: string }>(this.deps.sql, 'find-access-code', [request.sittingId, request.candidateId]);
    // an unknown candidate costs the same scrypt as a wrong code: the timing does not tell who is enrolled
    const matches = await accessCodeMatches(request.accessCode, row?.code_hash ?? (await decoyHash()));
    if (!row || !matches) {
      await redis.multi().incr(candidateKey).expire(candidateKey, SIGN_IN_LIMITS.candidateWindowS).exec();
      throw new ExamhallError('SIGN_IN_FAILED');
    }
    const expiresAt = Date.now() + this.deps.ttlS * 1000;
    const token = await this.deps.tokens.issueCandidateToken({ candidateId: request.candidateId, sittingId: request.sittingId }, this.deps.ttlS);
    return { token, expiresAt: Math.floor(expiresAt / 1000) * 1000 };
  }

  /** counts this request against the address; reads the candidate's recent failures */
  private async counts(addressKey: string, candidateKey: string): Promise<[number, number]> {
    const { redis } = this.deps;
    const countAddress = () => redis.multi().incr(addressKey).expire(addressKey, SIGN_IN_LIMITS.addressWindowS, 'NX');
    try {
      if (redis.isCluster) {
        // the two keys hash to different slots: one transaction cannot hold both
        const [results, failures] = await Promise.all([countAddress().exec(), redis.get(candidateKey)]);
        return [Number(results?.[0]?.[1] ?? 0), Number(failures ?? 0)];
      }
      const results = await countAddress().get(candidateKey).exec();
      return [Number(results?.[0]?.[1] ?? 0), Number(results?.[2]?.[1] ?? 0)];
    } catch {
      // without the counters there is no rate limit: refuse rather than allow unlimited guessing
      throw new ExamhallError('SIGN_IN_RATE_LIMITED', 'rate limiter unavailable');
    }
  }
}
