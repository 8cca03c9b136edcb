import { z } from 'zod';
import { decodeJwt } from 'jose';
import { ApiErrorBody, ExamhallError, ExternalId } from '@examhall/shared';
import { checkScopeExists } from '../../auth/proctor-accounts.js';
import { TokenRevoker } from '../../auth/revocations.js';
import { TokenService } from '../../auth/tokens.js';
import { actorOf, type RouteModule } from '../context.js';
import { ERROR_RESPONSES } from './common.js';

const Ttl = z.number().int().positive().optional().describe('seconds; at most TOKEN_TTL_S (the default)');
const IssueBody = z.union([
  z.strictObject({ candidateId: ExternalId, sittingId: ExternalId, ttlS: Ttl }),
  z.strictObject({
    proctorId: ExternalId,
    scope: z.strictObject({ sittingId: ExternalId, role: z.enum(['proctor', 'admin']), districts: z.array(ExternalId).default([]), centers: z.array(ExternalId).default([]) }),
    ttlS: Ttl,
  }),
]);
const RevokeBody = z.union([
  z.strictObject({ jti: z.string().min(1).max(200), reason: z.string().max(500).optional() }),
  z.strictObject({ candidateId: ExternalId, sittingId: ExternalId, reason: z.string().max(500).optional() }),
  z.strictObject({ proctorId: ExternalId, reason: z.string().max(500).optional() }),
]);

/** Tokens (admin): issue one for a candidate or a proctor scope, and revoke one token or every earlier token of a subject. */
export const tokenRoutes: RouteModule = (app, deps) => {
  const { sql, config } = deps;
  const tokens = new TokenService(config);
  const revoker = new TokenRevoker(deps);

  app.post('/api/v1/tokens', {
    schema: {
      tags: ['access'],
      summary: 'Issue a token: {candidateId, sittingId} for an enrolled candidate, or {proctorId, scope} for a proctor (the scope must exist); jti names it for revocation',
      body: IssueBody,
      response: { 200: z.object({ token: z.string(), jti: z.string(), expiresAt: z.number() }), ...ERROR_RESPONSES },
    },
  }, async (request) => {
    const body = request.body;
    if (body.ttlS !== undefined && body.ttlS > config.TOKEN_TTL_S) throw new ExamhallError('BAD_REQUEST', `ttlS is at most TOKEN_TTL_S (${config.TOKEN_TTL_S})`);
    let token: string;
    if ('candidateId' in body) {
      const [enrolled] = await sql`SELECT 1 FROM sitting_candidates WHERE sitting_id = ${body.sittingId} AND candidate_id = ${body.candidateId}`;
      if (!enrolled) throw new ExamhallError('CANDIDATE_NOT_ENROLLED', `${body.candidateId} in ${body.sittingId}`);
      token = await tokens.issueCandidateToken(body, body.ttlS);
    } else {
      if (body.scope.role === 'proctor' && body.scope.districts.length + body.scope.centers.length === 0) throw new ExamhallError('BAD_REQUEST', 'a proctor scope needs districts or centers (or role admin)');
      const scope = body.scope.role === 'admin' ? { ...body.scope, districts: [], centers: [] } : body.scope;
      await checkScopeExists(sql, null, scope);
      token = await tokens.issueProctorToken({ proctorId: body.proctorId, scope }, body.ttlS);
    }
    const claims = decodeJwt(token);
    return { token, jti: claims.jti!, expiresAt: claims.exp! * 1000 };
  });

  app.post('/api/v1/tokens/revoke', {
    schema: {
      tags: ['access'],
      summary: 'Revoke one token {jti}, or every token issued until now to a candidate in a sitting {candidateId, sittingId} or to a proctor {proctorId}; refused at the next handshake, connected sockets are closed',
      body: RevokeBody,
      response: { 200: z.object({ revocationId: z.number(), jti: z.string().optional(), notBeforeMs: z.number().optional(), expiresAt: z.string() }), ...ERROR_RESPONSES, 503: ApiErrorBody },
    },
  }, async (request) => {
    const { reason, ...target } = request.body;
    const { id, notice, expiresAt } = await revoker.revoke(target, actorOf(request.caller), reason);
    return { revocationId: id, ...('tokenId' in notice ? { jti: notice.tokenId } : { notBeforeMs: notice.notBeforeMs }), expiresAt: expiresAt.toISOString() };
  });
};
