import { randomBytes } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ExamhallError, ProctorScope, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@examhall/shared';
import type { Config } from '../config/config.js';

/** The only algorithm accepted: pinned so that `alg: none` or an asymmetric-key confusion cannot pass. */
const ALGORITHM = 'HS256';

/** Which token this is, for revocation: set on verified tokens, ignored when issuing. */
export interface TokenIdentity {
  /** the token's `jti` (tokens issued before jti existed have none: only a subject revocation reaches them) */
  tokenId?: string;
  /** when it was issued, in ms (the `ims` claim, else `iat` × 1000, else 0: a subject revocation always covers it) */
  issuedAtMs?: number;
}

export interface CandidateClaims extends TokenIdentity {
  candidateId: string;
  sittingId: string;
}

/** A proctor's identity and what it may see and act on (an admin: the whole sitting). */
export interface ProctorIdentity extends TokenIdentity {
  proctorId: string;
  scope: ProctorScope;
}

/** A random token id: 16 bytes, base64url (22 characters). */
export const newTokenId = () => randomBytes(16).toString('base64url');

export class TokenService {
  private readonly key: Uint8Array;
  /**
   * The same secret imported once as a WebCrypto key for verifying: handed raw bytes, jose imports
   * the key on every call, which doubled the cost of each handshake's check (137 → 67 µs of CPU).
   */
  private readonly verifyKey: Promise<CryptoKey>;
  constructor(private readonly config: Pick<Config, 'TOKEN_SECRET' | 'TOKEN_TTL_S'>) {
    this.key = new TextEncoder().encode(config.TOKEN_SECRET);
    this.verifyKey = crypto.subtle.importKey('raw', new TextEncoder().encode(config.TOKEN_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  }

  /**
   * A candidate token: `sub` is the candidate, `sit` the sitting; `jti` names it for revocation and
   * `ims` is its issue time in ms (`iat` has whole seconds: too coarse to tell a token issued just
   * after a revocation from one issued just before).
   */
  issueCandidateToken(claims: CandidateClaims, ttlSeconds = this.config.TOKEN_TTL_S): Promise<string> {
    return new SignJWT({ sit: claims.sittingId, ims: Date.now() })
      .setJti(newTokenId())
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.candidateId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE.candidate)
      .setIssuedAt()
      .setExpirationTime(this.expiry(ttlSeconds))
      .sign(this.key);
  }

  /** A proctor token: `sub` is the proctor, `sit` the sitting, `role`, and the districts and centers it covers. */
  issueProctorToken(identity: ProctorIdentity, ttlSeconds = this.config.TOKEN_TTL_S): Promise<string> {
    const { sittingId, role, districts, centers } = identity.scope;
    return new SignJWT({ sit: sittingId, role, districts, centers, ims: Date.now() })
      .setJti(newTokenId())
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(identity.proctorId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE.proctor)
      .setIssuedAt()
      .setExpirationTime(this.expiry(ttlSeconds))
      .sign(this.key);
  }

  /**
   * A revocation is kept for TOKEN_TTL_S (the longest a token it covers can live), so no token may
   * live longer; a shorter life (tests, an expired token) is fine.
   */
  private expiry(ttlSeconds: number): number {
    if (ttlSeconds > this.config.TOKEN_TTL_S) throw new ExamhallError('BAD_REQUEST', `a token lives at most TOKEN_TTL_S (${this.config.TOKEN_TTL_S} s)`);
    return Math.floor(Date.now() / 1000) + ttlSeconds;
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; throws ExamhallError(AUTH_*). */
  async verifyCandidateToken(token: unknown): Promise<CandidateClaims> {
    const payload = await this.verify(token, TOKEN_AUDIENCE.candidate);
    if (typeof payload.sit !== 'string') throw new ExamhallError('AUTH_INVALID', 'sit must be a string');
    return { candidateId: payload.sub!, sittingId: payload.sit, ...tokenIdentity(payload) };
  }

  /** A candidate token is refused here (wrong audience), and a proctor token on /candidate. */
  async verifyProctorToken(token: unknown): Promise<ProctorIdentity> {
    const payload = await this.verify(token, TOKEN_AUDIENCE.proctor);
    const scope = ProctorScope.safeParse({ sittingId: payload.sit, role: payload.role, districts: payload.districts, centers: payload.centers });
    if (!scope.success) throw new ExamhallError('AUTH_INVALID', 'proctor scope claims are malformed');
    return { proctorId: payload.sub!, scope: scope.data, ...tokenIdentity(payload) };
  }

  private async verify(token: unknown, audience: string) {
    if (typeof token !== 'string' || token.length === 0) throw new ExamhallError('AUTH_REQUIRED');
    if (token.length > 8192) throw new ExamhallError('AUTH_INVALID', 'token too long');
    try {
      const { payload } = await jwtVerify(token, await this.verifyKey, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience,
        requiredClaims: ['sub', 'exp', 'sit'],
      });
      if (typeof payload.sub !== 'string') throw new ExamhallError('AUTH_INVALID', 'sub must be a string');
      return payload;
    } catch (err) {
      if (err instanceof ExamhallError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new ExamhallError('AUTH_EXPIRED');
      throw new ExamhallError('AUTH_INVALID', err instanceof joseErrors.JOSEError ? err.code : undefined);
    }
  }
}

function tokenIdentity(payload: JWTPayload): TokenIdentity {
  const issuedAtMs = typeof payload.ims === 'number' ? payload.ims : typeof payload.iat === 'number' ? payload.iat * 1000 : 0;
  return typeof payload.jti === 'string' ? { tokenId: payload.jti, issuedAtMs } : { issuedAtMs };
}
