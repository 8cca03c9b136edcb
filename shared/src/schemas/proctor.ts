import { z } from 'zod';
import { AttemptId, EpochMs, ExternalId } from './ids.js';
import { AttemptStatus } from './join.js';
import { NOT_STORABLE, isStorableText } from './text.js';

/**
 * The proctor feed: a roster snapshot on `proctor:watch`, then `proctor:delta` batches (per center,
 * every few hundred ms) that patch rows by candidate id. Rows are keyed by candidate because a
 * candidate who has not joined yet has no attempt.
 */

export const AlertKind = z.enum(['disconnected', 'idle', 'focus_lost', 'fullscreen_exit', 'second_device', 'ip_change']);
export type AlertKind = z.infer<typeof AlertKind>;

export const Alert = z.object({
  id: z.number().int().positive(),
  kind: AlertKind,
  openedAt: EpochMs,
  /** last time the condition was seen again (focus lost five times = one alert, count 5) */
  lastAt: EpochMs,
  count: z.number().int().positive(),
  detail: z.string().max(200).nullable(),
});
export type Alert = z.infer<typeof Alert>;

export const RosterRow = z.object({
  candidateId: ExternalId,
  name: z.string(),
  centerId: ExternalId,
  districtId: ExternalId,
  attemptId: AttemptId.nullable(),
  status: AttemptStatus,
  online: z.boolean(),
  /** when the candidate last came online or went offline, as the server saw it; null if never connected */
  onlineChangedAt: EpochMs.nullable(),
  currentQuestion: ExternalId.nullable(),
  answered: z.number().int().nonnegative(),
  questionCount: z.number().int().nonnegative(),
  /** when the candidate's latest answer was committed to Postgres */
  lastSaveAt: EpochMs.nullable(),
  deadline: EpochMs.nullable(),
  paused: z.boolean(),
  locked: z.boolean(),
  /** open alerts; a patch always carries the whole list */
  alerts: z.array(Alert),
});
export type RosterRow = z.infer<typeof RosterRow>;

/** A change to a row: the candidate id plus the fields that changed. */
export const RosterPatch = RosterRow.partial().extend({ candidateId: ExternalId });
export type RosterPatch = z.infer<typeof RosterPatch>;

export const FeedKind = z.enum(['joined', 'disconnected', 'saved', 'submitted', 'auto_submitted', 'terminated', 'alert', 'action']);
export type FeedKind = z.infer<typeof FeedKind>;

/** One line of the live feed of saves, submissions, alerts and actions. */
export const FeedEntry = z.object({
  at: EpochMs,
  candidateId: ExternalId,
  kind: FeedKind,
  text: z.string().max(300),
});
export type FeedEntry = z.infer<typeof FeedEntry>;

/** server → proctor `proctor:delta`: one center's changes since the last batch. */
export const ProctorDelta = z.object({
  sittingId: ExternalId,
  centerId: ExternalId,
  /** server time the batch was sent; also the freshness mark against a snapshot's takenAt */
  sentAt: EpochMs,
  /**
   * The sending process (each gateway and worker sends deltas) and its count of deltas for this
   * center: a proctor who sees `seq` skip for a (source, center) lost a delta and re-watches.
   */
  source: z.string().min(1).max(64),
  seq: z.number().int().positive(),
  patches: z.array(RosterPatch.extend({ at: EpochMs })),
  feed: z.array(FeedEntry),
});
export type ProctorDelta = z.infer<typeof ProctorDelta>;

/** proctor → server `proctor:watch`: subscribe to the token's scope and get a snapshot. */
export const WatchRequest = z.object({ protocolVersion: z.number().int().positive() });
export type WatchRequest = z.infer<typeof WatchRequest>;

export const ProctorScope = z.object({
  sittingId: ExternalId,
  role: z.enum(['proctor', 'admin']),
  /** an admin sees the whole sitting; a proctor sees these districts and centers */
  districts: z.array(ExternalId),
  centers: z.array(ExternalId),
});
export type ProctorScope = z.infer<typeof ProctorScope>;

export const RosterSnapshot = z.object({
  scope: ProctorScope,
  sittingTitle: z.string(),
  /** patches stamped before this were already read into the rows */
  takenAt: EpochMs,
  serverTime: EpochMs,
  rows: z.array(RosterRow),
  /** newest first */
  feed: z.array(FeedEntry),
});
export type RosterSnapshot = z.infer<typeof RosterSnapshot>;

/** Whom an action applies to: candidates by id, whole centers, or (admins and district proctors' own) the sitting. */
export const ActionTarget = z.union([
  z.object({ candidates: z.array(ExternalId).min(1).max(5000) }),
  z.object({ centers: z.array(ExternalId).min(1).max(100) }),
  z.object({ sitting: z.literal(true) }),
]);
export type ActionTarget = z.infer<typeof ActionTarget>;

const reason = z.string().trim().min(1, 'say why (it goes to the audit log)').max(500).refine(isStorableText, NOT_STORABLE);

/** proctor → server `proctor:action`. Every action is written to the audit log with who, when and why. */
export const ProctorAction = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('extend'), target: ActionTarget, seconds: z.number().int().positive().max(24 * 3600), reason }),
  z.object({ kind: z.literal('pause'), target: ActionTarget, reason }),
  z.object({ kind: z.literal('resume'), target: ActionTarget, reason }),
  z.object({ kind: z.literal('lock'), target: ActionTarget, reason }),
  z.object({ kind: z.literal('unlock'), target: ActionTarget, reason }),
  z.object({ kind: z.literal('terminate'), target: ActionTarget, reason }),
  z.object({ kind: z.literal('message'), target: ActionTarget, text: z.string().trim().min(1).max(1000).refine(isStorableText, NOT_STORABLE), reason: reason.optional() }),
  /** extra time equal to the time the server saw each candidate disconnected within [from, to] */
  z.object({ kind: z.literal('compensate'), target: ActionTarget, from: EpochMs, to: EpochMs, reason }),
  z.object({ kind: z.literal('dismiss_alert'), target: ActionTarget, alertIds: z.array(z.number().int().positive()).min(1).max(5000), reason }),
]);
export type ProctorAction = z.infer<typeof ProctorAction>;
export type ProctorActionKind = ProctorAction['kind'];

export const ActionOutcome = z.object({
  candidateId: ExternalId,
  ok: z.boolean(),
  /** error code when not ok (e.g. ATTEMPT_CLOSED) */
  error: z.string().optional(),
  /** compensate: the seconds granted */
  seconds: z.number().int().nonnegative().optional(),
});
export type ActionOutcome = z.infer<typeof ActionOutcome>;

export const ActionReply = z.object({
  kind: z.string(),
  applied: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  outcomes: z.array(ActionOutcome),
});
export type ActionReply = z.infer<typeof ActionReply>;

/** server → candidate `proctor:message`. */
export const ProctorMessage = z.object({
  id: z.string(),
  text: z.string(),
  at: EpochMs,
  /** whom it was addressed to */
  audience: z.enum(['candidate', 'center', 'sitting']),
});
export type ProctorMessage = z.infer<typeof ProctorMessage>;

/** candidate → server `candidate:activity`: navigation and integrity signals from the exam page. */
export const ActivityReport = z.object({
  attemptId: AttemptId,
  kind: z.enum(['navigate', 'focus_lost', 'focus_back', 'fullscreen_exit', 'fullscreen_enter']),
  questionId: ExternalId.optional(),
});
export type ActivityReport = z.infer<typeof ActivityReport>;
