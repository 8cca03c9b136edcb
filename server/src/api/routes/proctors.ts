import { z } from 'zod';
import { ApiErrorBody, ExternalId, ProctorSignInReply, ProctorSignInRequest } from '@examhall/shared';
import { PASSWORD_LENGTH, ProctorSignIn, createProctorAccount, disableProctorAccount, listProctorAccounts, setProctorScope, thenRevoke } from '../../auth/proctor-accounts.js';
import { TokenRevoker } from '../../auth/revocations.js';
import { TokenService } from '../../auth/tokens.js';
import { addressResolver } from '../../gateway/client-address.js';
import { actorOf, type RouteModule } from '../context.js';
import { ERROR_RESPONSES } from './common.js';

const Scope = z.object({ sittingId: z.string(), role: z.enum(['proctor', 'admin']), districts: z.array(z.string()), centers: z.array(z.string()) });
const Account = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), disabledAt: z.string().nullable(), scopes: z.array(Scope) });
const Password = z.string().min(PASSWORD_LENGTH.min).max(PASSWORD_LENGTH.max);
const ProctorParams = z.object({ id: ExternalId });
const SIGN_IN_ERRORS = { ...ERROR_RESPONSES, 403: ApiErrorBody, 429: ApiErrorBody, 503: ApiErrorBody } as const;

/**
 * Proctor accounts (admin): create, list, scope per sitting, disable; and the public sign-in that
 * exchanges an account's password for a proctor token. Changing a scope or disabling an account
 * revokes the proctor's earlier tokens (their claims carry the old scope), so it signs in again.
 */
export const proctorRoutes: RouteModule = (app, deps) => {
  const { sql, redis, config } = deps;
  const tokens = new TokenService(config);
  const revoker = new TokenRevoker(deps);
  const signIn = new ProctorSignIn({ sql, redis, tokens, prefix: config.REDIS_PREFIX, ttlS: config.TOKEN_TTL_S });
  const clientAddress = addressResolver(config.TRUSTED_PROXIES);

  app.post('/api/v1/proctors', {
    schema: {
      tags: ['proctors'],
      summary: 'Create a proctor account with this password, or without one: a password is generated and returned in this response only',
      body: z.object({ id: ExternalId, name: z.string().min(1).max(200), password: Password.optional() }),
      response: { 201: z.object({ id: z.string(), name: z.string(), password: z.string().optional() }), ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const created = await createProctorAccount(sql, request.body, actorOf(request.caller));
    return reply.code(201).send({ id: created.id, name: created.name, ...(created.generatedPassword ? { password: created.generatedPassword } : {}) });
  });

  app.get('/api/v1/proctors', {
    schema: { tags: ['proctors'], summary: 'Every proctor account with its scopes (never passwords)', response: { 200: z.object({ proctors: z.array(Account) }) } },
  }, async () => ({ proctors: await listProctorAccounts(sql) }));

  app.put('/api/v1/proctors/:id/scopes/:sittingId', {
    schema: {
      tags: ['proctors'],
      summary: "Set the account's scope in a sitting: the whole sitting (admin) or these districts and centers; its earlier tokens are revoked",
      params: ProctorParams.extend({ sittingId: ExternalId }),
      body: z.object({ role: z.enum(['proctor', 'admin']), districts: z.array(ExternalId).max(1000).default([]), centers: z.array(ExternalId).max(10_000).default([]) }),
      response: { 200: z.object({ proctorId: z.string(), scope: Scope, tokensRevokedBeforeMs: z.number() }), ...SIGN_IN_ERRORS },
    },
  }, async (request) => {
    const actor = actorOf(request.caller);
    const scope = await setProctorScope(sql, request.params.id, { sittingId: request.params.sittingId, ...request.body }, actor);
    const { notice } = await thenRevoke('the scope is set', () => revoker.revoke({ proctorId: request.params.id }, actor, 'scope changed'));
    return { proctorId: request.params.id, scope, tokensRevokedBeforeMs: 'notBeforeMs' in notice ? notice.notBeforeMs : 0 };
  });

  app.post('/api/v1/proctors/:id/disable', {
    schema: {
      tags: ['proctors'],
      summary: 'Disable an account: it cannot sign in any more, and every token it holds is revoked (its sockets are closed)',
      params: ProctorParams,
      body: z.object({ reason: z.string().max(500).optional() }).optional(),
      response: { 200: z.object({ proctorId: z.string(), disabledAt: z.string(), alreadyDisabled: z.boolean() }), ...SIGN_IN_ERRORS },
    },
  }, async (request) => {
    const actor = actorOf(request.caller);
    const disabled = await disableProctorAccount(sql, request.params.id, actor);
    await thenRevoke('the account is disabled', () => revoker.revoke({ proctorId: request.params.id }, actor, request.body?.reason ?? 'account disabled'));
    return { proctorId: request.params.id, disabledAt: disabled.disabledAt, alreadyDisabled: disabled.already };
  });

  app.post('/api/v1/proctor-sign-in', {
    config: { public: true },
    schema: {
      tags: ['proctors'],
      summary: "A proctor's sign-in: account id and password for a token with its scope in the sitting (no API key). Wrong password and unknown account both give SIGN_IN_FAILED; too many give SIGN_IN_RATE_LIMITED. The gateway answers the same at POST /api/proctor-sign-in (shared limits)",
      security: [],
      body: ProctorSignInRequest,
      response: { 200: ProctorSignInReply, ...SIGN_IN_ERRORS },
    },
  }, async (request) => signIn.signIn(request.body, clientAddress(request.socket.remoteAddress ?? '', request.headers['x-forwarded-for'])));
};
