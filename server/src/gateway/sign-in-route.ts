import { ExamhallError, SignInRequest, protocolError, type ErrorCode } from '@examhall/shared';
import type { AccessCodeSignIn } from '../auth/access-codes.js';
import type { Logger } from '../observability/logger.js';
import type { PostHandler } from './json-post.js';
import { toProtocolError } from './handlers.js';

const STATUS_OF: Partial<Record<ErrorCode, number>> = { BAD_REQUEST: 400, SIGN_IN_FAILED: 401, SIGN_IN_RATE_LIMITED: 429 };

/** POST /api/sign-in: `{ sittingId, candidateId, accessCode }` → `{ token, expiresAt }`, or `{ error }` with a coded ProtocolError. */
export function signInRoute(signIn: AccessCodeSignIn, logger: Logger): PostHandler {
  return async (body, address) => {
    try {
      const parsed = SignInRequest.safeParse(body);
      if (!parsed.success) throw new ExamhallError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      return { status: 200, body: await signIn.signIn(parsed.data, address) };
    } catch (err) {
      const error = err instanceof ExamhallError ? err.error : toProtocolError(err, logger);
      if (error.code === 'SIGN_IN_FAILED' || error.code === 'SIGN_IN_RATE_LIMITED') logger.info({ address, code: error.code }, 'sign-in refused');
      return { status: STATUS_OF[error.code] ?? (error.retryable ? 503 : 500), body: { error: error.code === 'INTERNAL' ? protocolError('INTERNAL') : error } };
    }
  };
}
