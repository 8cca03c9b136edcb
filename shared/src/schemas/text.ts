import { z } from 'zod';

/** An unpaired UTF-16 surrogate: JSON.stringify writes it as `\udXXX`, which Postgres' jsonb refuses. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whether Postgres can store this text: it refuses NUL in text and jsonb, and lone surrogates in
 * jsonb. Free text from clients is checked here, so it gets BAD_REQUEST at the gateway rather than
 * failing a whole batch of other candidates' answers in the worker (or an action with INTERNAL).
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}
export const NOT_STORABLE = 'must not contain NUL or unpaired surrogate characters';

/** Free text a client sends that the server stores, at most `maxLength` UTF-16 units. */
export function storableText(maxLength: number) {
  return z.string().max(maxLength).refine(isStorableText, NOT_STORABLE);
}
