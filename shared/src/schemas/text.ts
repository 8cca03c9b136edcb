import { z } from 'zod';

/** An unpaired UTF-16 surrogate: JSON.stringify writes it as `\udXXX`, which Postgres' jsonb refuses. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Free text a client sends that the server stores: Postgres refuses NUL in text and jsonb, and
 * lone surrogates in jsonb. Refused here, with BAD_REQUEST, rather than failing a whole batch of
 * other candidates' answers in the worker.
 */
export function storableText(maxLength: number) {
  return z
    .string()
    .max(maxLength)
    .refine((s) => !s.includes('\u0000') && !LONE_SURROGATE.test(s), 'must not contain NUL or unpaired surrogate characters');
}
