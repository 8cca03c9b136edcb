import { z } from 'zod';
import { ExternalId } from '@examhall/shared';
import { SLOTS } from '../roster/roster-csv.js';

/** Longest sitting a schedule may hold: a window of a week, a duration of a day, a grace of an hour. */
export const LIMITS = { windowDays: 7, durationMinutes: 24 * 60, graceSeconds: 3600 } as const;

export const StartMode = z.enum(['on_join', 'signal']);
export const SlotName = z.enum(SLOTS);

/** A frozen change goes through only with a reason, which lands in the audit log. */
export const FreezeOverride = z.object({ reason: z.string().trim().min(3).max(500).describe('why the exam or timing must change while the sitting is live (audited)') });
export type FreezeOverride = z.infer<typeof FreezeOverride>;

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 with an offset, e.g. 2026-12-01T09:00:00+05:30').transform((s) => new Date(s));

/** The schedule fields that may change (all but the id); a sitting's exam is one stored version. */
const Schedule = z.object({
  examId: ExternalId,
  examVersion: z.number().int().positive(),
  title: z.string().trim().min(1).max(200),
  opensAt: Instant,
  closesAt: Instant,
  durationMinutes: z.number().positive().max(LIMITS.durationMinutes).describe('the time each candidate gets (fractions allowed; stored in whole seconds)'),
  graceSeconds: z.number().int().min(0).max(LIMITS.graceSeconds).describe('answers this many seconds after a deadline still count (network slack)'),
  startMode: StartMode.describe("'on_join': each clock starts at the candidate's first join; 'signal': a lobby until the start signal"),
  slot: SlotName.nullable().describe('morning | afternoon | evening, or null'),
});

export const SittingCreate = Schedule.extend({
  id: ExternalId,
  graceSeconds: Schedule.shape.graceSeconds.default(0),
  startMode: Schedule.shape.startMode.default('on_join'),
  slot: Schedule.shape.slot.default(null),
});
export type SittingCreate = z.infer<typeof SittingCreate>;

export const SittingPatch = Schedule.partial().extend({ override: FreezeOverride.optional() });
export type SittingPatch = z.infer<typeof SittingPatch>;

/** Enrol by a list of candidate ids, or by roster attributes (all given ones must match). */
export const EnrolmentRequest = z.object({
  candidates: z.array(ExternalId).min(1).max(100_000).optional(),
  batch: z.string().trim().min(1).max(100).optional(),
  slot: SlotName.optional(),
  center: ExternalId.optional(),
  district: ExternalId.optional(),
});
export type EnrolmentRequest = z.infer<typeof EnrolmentRequest>;

/** A sitting as the office sees it, with how far its candidates are. */
export const SittingView = z.object({
  id: z.string(),
  examId: z.string(),
  examVersion: z.number().int(),
  title: z.string(),
  opensAt: z.string(),
  closesAt: z.string(),
  durationMinutes: z.number(),
  graceSeconds: z.number().int(),
  startMode: StartMode,
  slot: SlotName.nullable(),
  startedAt: z.string().nullable(),
  pausedAt: z.string().nullable(),
  /** its window is open, it has started, or attempts are running: exam and timing are frozen */
  live: z.boolean(),
  counts: z.object({ enrolled: z.number().int(), inLobby: z.number().int(), inProgress: z.number().int(), finished: z.number().int() }),
  /** after a change of duration or window: running attempts whose deadline moved with it (told live) */
  retimedAttempts: z.number().int().optional(),
});
export type SittingView = z.infer<typeof SittingView>;
