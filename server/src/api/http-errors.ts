import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ExamhallError, ImportInvalidError, NOT_STORABLE, protocolError, type ApiErrorBody, type ErrorCode } from '@examhall/shared';
import { isDatabaseUnavailable } from '../gateway/handlers.js';
import type { Logger } from '../observability/logger.js';

/** The HTTP status of each registry code the API can answer with (anything else is 400). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  API_KEY_INVALID: 401,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  AUTH_EXPIRED: 401,
  TOKEN_REVOKED: 401,
  SIGN_IN_FAILED: 401,
  ROLE_FORBIDDEN: 403,
  SCOPE_FORBIDDEN: 403,
  NOT_FOUND: 404,
  SITTING_NOT_FOUND: 404,
  ATTEMPT_NOT_FOUND: 404,
  QUESTION_UNKNOWN: 404,
  CONFLICT: 409,
  CHANGE_FROZEN: 409,
  ATTEMPT_NOT_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  IMPORT_INVALID: 422,
  SIGN_IN_RATE_LIMITED: 429,
  RATE_LIMITED: 429,
  OVERLOADED: 503,
  STORE_UNAVAILABLE: 503,
  QUEUE_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const httpStatusOf = (code: ErrorCode): number => STATUS[code] ?? 400;

export function errorBody(code: ErrorCode, detail?: string): ApiErrorBody {
  return { error: protocolError(code, detail) };
}

/** Fastify's error handler: every failure leaves as `{ error: { code, message, retryable, detail? } }`. */
export function handleApiError(logger: Logger) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ExamhallError) {
      const body: ApiErrorBody = { error: err.error };
      if (err instanceof ImportInvalidError) body.problems = err.problems;
      return reply.code(httpStatusOf(err.code)).send(body);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const detail = err.validation.map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)'}: ${v.message}`).join('; ');
      return reply.code(400).send(errorBody('BAD_REQUEST', `${err.validationContext ?? 'request'}: ${detail}`));
    }
    const status = (err as FastifyError).statusCode;
    if (status === 413) return reply.code(413).send(errorBody('PAYLOAD_TOO_LARGE'));
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(400).send(errorBody('BAD_REQUEST', err.message));
    }
    if (isDatabaseUnavailable(err)) return reply.code(503).send(errorBody('STORE_UNAVAILABLE'));
    // text Postgres cannot store (NUL, an unpaired surrogate in JSON) in any field: the statement
    // failed whole, so nothing was written; say which rule, not INTERNAL
    const pgCode = (err as { code?: string }).code;
    if (pgCode === '22021' || pgCode === '22P05') return reply.code(400).send(errorBody('BAD_REQUEST', `text ${NOT_STORABLE}`));
    logger.error({ err, url: request.url, method: request.method }, 'api request failed');
    return reply.code(500).send(errorBody('INTERNAL'));
  };
}
