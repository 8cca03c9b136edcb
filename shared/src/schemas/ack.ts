import { z } from 'zod';
import { ERRORS, type ErrorCode, type ProtocolError } from '../errors.js';

const codes = Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]];

export const ProtocolErrorSchema = z.object({
  code: z.enum(codes),
  message: z.string(),
  retryable: z.boolean(),
  detail: z.string().optional(),
});

/** Every ack is `{ ok: true, data }` or `{ ok: false, error }`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };

export function ackSchema<T extends z.ZodType>(data: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ProtocolErrorSchema }),
  ]);
}
