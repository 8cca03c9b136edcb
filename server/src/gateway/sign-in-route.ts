import type { z } from 'zod';
import { ExamhallError, protocolError, type ErrorCode } from '@examhall/shared';
import type { Logger } from '../observability/logger.js';
import type { PostHandler } from './json-post.js';
import { toProtocolError } from './handlers.js';

const STATUS_OF: Partial<Record<ErrorCode, number>> = { BAD_REQUEST: 400, SIGN_IN_FAILED: 401, SCOPE_FORBIDDEN: 403, SIGN_IN_RATE_LIMITED: 429 };

/** A sign-in service: candidates' access codes (AccessCodeSignIn) or proctors' passwords (ProctorSignIn). */
export interface SignInService<Request, Reply> {
  signIn(request: Request, address: string): Promise<Reply>;
}

/**
 * A sign-in POST on the gateway: the body is checked against `schema` (BAD_REQUEST 400 naming the
 * fields) and handed to the service; a refusal is `{ error }` with a coded ProtocolError and its
 * status (SIGN_IN_FAILED 401, SCOPE_FORBIDDEN 403, SIGN_IN_RATE_LIMITED 429; other failures 500/503).
 * `kind` names the sign-in in the log.
 */
export function signInRoute<S extends z.ZodType>(kind: string, schema: S, signIn: SignInService<z.output<S>, unknown>, logger: Logger): PostHandler {
  return async (body, address) => {
    try {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new ExamhallError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      return { status: 200, body: await signIn.signIn(parsed.data, address) };
    } catch (err) {
      const error = err instanceof ExamhallError ? err.error : toProtocolError(err, logger);
      if (error.code in STATUS_OF && error.code !== 'BAD_REQUEST') logger.info({ kind, address, code: error.code }, 'sign-in refused');
      return { status: STATUS_OF[error.code] ?? (error.retryable ? 503 : 500), body: { error: error.code === 'INTERNAL' ? protocolError('INTERNAL') : error } };
    }
  };
}
