import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { ExamhallError, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@examhall/shared';
import type { Config } from '../config/config.js';

/** The only algorithm accepted: pinned so that `alg: none` or an asymmetric-key confusion cannot pass. */
const ALGORITHM = 'HS256';

export interface CandidateClaims {
  candidateId: string;
  sittingId: string;
}

export class TokenService {
  private readonly key: Uint8Array;
  constructor(private readonly config: Pick<Config, 'TOKEN_SECRET' | 'TOKEN_TTL_S'>) {
    this.key = new TextEncoder().encode(config.TOKEN_SECRET);
  }

  /** A candidate token: `sub` is the candidate, `sit` the sitting. */
  issueCandidateToken(claims: CandidateClaims, ttlSeconds = this.config.TOKEN_TTL_S): Promise<string> {
    return new SignJWT({ sit: claims.sittingId })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(claims.candidateId)
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE.candidate)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.key);
  }

  /** Verifies signature, algorithm, issuer, audience and expiry; throws ExamhallError(AUTH_*). */
  async verifyCandidateToken(token: unknown): Promise<CandidateClaims> {
    if (typeof token !== 'string' || token.length === 0) throw new ExamhallError('AUTH_REQUIRED');
    if (token.length > 4096) throw new ExamhallError('AUTH_INVALID', 'token too long');
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE.candidate,
        requiredClaims: ['sub', 'exp', 'sit'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sit !== 'string') {
        throw new ExamhallError('AUTH_INVALID', 'sub and sit must be strings');
      }
      return { candidateId: payload.sub, sittingId: payload.sit };
    } catch (err) {
      if (err instanceof ExamhallError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw new ExamhallError('AUTH_EXPIRED');
      throw new ExamhallError('AUTH_INVALID', err instanceof joseErrors.JOSEError ? err.code : undefined);
    }
  }
}
