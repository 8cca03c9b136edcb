import { z } from 'zod';

/** Ids chosen by exam authors and roster imports: short, printable, no spaces. */
export const ExternalId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');
export const AttemptId = z.uuid();
/** Per-attempt answer version chosen by the SDK; the stored answer is always the highest seq. */
export const Seq = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** Epoch milliseconds. */
export const EpochMs = z.number().int().nonnegative();
