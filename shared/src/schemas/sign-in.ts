import { z } from 'zod';
import { EpochMs, ExternalId } from './ids.js';
import { ProctorScope } from './proctor.js';

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

/** Where the gateway answers a proctor's sign-in with account id and password (POST, JSON). */
export const PROCTOR_SIGN_IN_PATH = '/api/proctor-sign-in' as const;

/** Proctor passwords: set with 12 to 200 characters; a sign-in accepts any non-empty one up to the maximum (a wrong one is SIGN_IN_FAILED, not BAD_REQUEST). */
export const PROCTOR_PASSWORD_LENGTH = { min: 12, max: 200 } as const;

/** POST /api/proctor-sign-in (gateway) and /api/v1/proctor-sign-in (office API): an account's password for a proctor token in one sitting. */
export const ProctorSignInRequest = z.object({
  sittingId: ExternalId,
  proctorId: ExternalId,
  password: z.string().min(1).max(PROCTOR_PASSWORD_LENGTH.max),
});
export type ProctorSignInRequest = z.infer<typeof ProctorSignInRequest>;

/** The token carries this scope; the dashboard may show it before connecting. */
export const ProctorSignInReply = z.object({
  token: z.string(),
  expiresAt: EpochMs,
  scope: ProctorScope,
});
export type ProctorSignInReply = z.infer<typeof ProctorSignInReply>;
