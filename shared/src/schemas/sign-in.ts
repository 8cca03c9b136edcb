import { z } from 'zod';
import { EpochMs, ExternalId } from './ids.js';

/** Where the gateway answers sign-in with an access code (POST, JSON). */
export const SIGN_IN_PATH = '/api/sign-in' as const;

/** Access codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L); case and spaces do not matter. */
export const ACCESS_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789' as const;
export const AccessCode = z
  .string()
  .max(40)
  .transform((s) => s.replace(/[\s-]+/g, '').toUpperCase())
  .pipe(z.string().regex(/^[A-HJKMNP-Z2-9]{10}$/, 'an access code is 10 letters and digits'));

/** POST /api/sign-in: a candidate's id and access code for a short-lived candidate token. */
export const SignInRequest = z.object({
  sittingId: ExternalId,
  candidateId: ExternalId,
  accessCode: AccessCode,
});
export type SignInRequest = z.infer<typeof SignInRequest>;

export const SignInReply = z.object({
  token: z.string(),
  expiresAt: EpochMs,
});
export type SignInReply = z.infer<typeof SignInReply>;
