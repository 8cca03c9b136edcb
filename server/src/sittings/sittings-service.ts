import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import { asSittingWriter, type SittingWriter } from './freeze.js';
import { LIMITS, type SittingCreate, type SittingPatch, type SittingView } from './sitting-schemas.js';

/** The stored schedule of a sitting, in the API's units. */
interface Schedule {
  examId: string;
  examVersion: number;
  title: string;
  opensAt: Date;
  closesAt: Date;
  durationMinutes: number;
  graceSeconds: number;
  startMode: 'on_join' | 'signal';
  slot: 'morning' | 'afternoon' | 'evening' | null;
}

interface SittingRow {
  id: string; exam_id: string; exam_version: number; title: string; opens_at: Date; closes_at: Date; duration_s: number; grace_s: number;
  start_mode: 'on_join' | 'signal'; slot: Schedule['slot']; started_at: Date | null; paused_at: Date | null; live: boolean;
  enrolled: number; in_lobby: number; in_progress: number; finished: number;
}

const durationSeconds = (minutes: number) => Math.max(1, Math.round(minutes * 60));

/** Creates a sitting (audited by the trigger as sitting.created); refuses a taken id with CONFLICT. */
export async function createSitting(sql: Sql, input: SittingCreate, writer: SittingWriter): Promise<SittingView> {
  await checkSchedule(sql, input);
  if (input.closesAt.getTime() <= Date.now()) throw new ExamhallError('BAD_REQUEST', `closesAt ${input.closesAt.toISOString()} is already past`);
  await asSittingWriter(sql, writer, async (tx) => {
    const inserted = await tx`
      INSERT INTO sittings (id, exam_id, exam_version, title, opens_at, closes_at, duration_s, grace_s, start_mode, slot)
      VALUES (${input.id}, ${input.examId}, ${input.examVersion}, ${input.title}, ${input.opensAt}, ${input.closesAt},
              ${durationSeconds(input.durationMinutes)}, ${input.graceSeconds}, ${input.startMode}, ${input.slot})
      ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (inserted.length === 0) throw new ExamhallError('CONFLICT', `sitting ${input.id} already exists; change it with PATCH (sitting update)`);
  });
  return getSitting(sql, input.id);
}

/**
 * Changes a sitting's schedule. The fields not in `patch` keep their stored values; the result is
 * checked whole. While the sitting is live, a change to its exam or timing is refused by the
 * trigger (CHANGE_FROZEN) unless `patch.override` gives a reason; every change is audited.
 */
export async function updateSitting(sql: Sql, id: string, patch: SittingPatch, writer: SittingWriter): Promise<SittingView> {
  const { override, ...fields } = patch;
  await asSittingWriter(sql, { ...writer, override: override ?? writer.override }, async (tx) => {
    const [row] = await tx<SittingRow[]>`SELECT * FROM sittings WHERE id = ${id} FOR UPDATE`;
    if (!row) throw new ExamhallError('NOT_FOUND', `no sitting ${id}`);
    const next: Schedule = { ...scheduleOf(row), ...definedOnly(fields) };
    await checkSchedule(tx, next);
    // only the fields given are written: a value read back (timestamps lose microseconds in JS) is never rewritten
    const columns = columnsOf(fields);
    if (Object.keys(columns).length > 0) await tx`UPDATE sittings SET ${tx(columns)} WHERE id = ${id}`;
  });
  return getSitting(sql, id);
}

export async function getSitting(sql: Sql, id: string): Promise<SittingView> {
  const [view] = await sittingViews(sql, { id });
  if (!view) throw new ExamhallError('NOT_FOUND', `no sitting ${id}`);
  return view;
}

/** Sittings by opening time, with counts of enrolled candidates and attempts by stage. */
export async function sittingViews(sql: Sql, filter: { id?: string; slot?: string; examId?: string } = {}): Promise<SittingView[]> {
  const rows = await sql<SittingRow[]>`
    SELECT s.*, sitting_is_live(s) AS live,
      (SELECT count(*)::int FROM sitting_candidates sc WHERE sc.sitting_id = s.id) AS enrolled,
      coalesce(a.in_lobby, 0) AS in_lobby, coalesce(a.in_progress, 0) AS in_progress, coalesce(a.finished, 0) AS finished
    FROM sittings s
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE status = 'lobby')::int AS in_lobby,
             count(*) FILTER (WHERE status = 'in_progress')::int AS in_progress,
             count(*) FILTER (WHERE status IN ('submitted', 'auto_submitted', 'terminated'))::int AS finished
      FROM attempts WHERE sitting_id = s.id
    ) a ON true
    WHERE (${filter.id ?? null}::text IS NULL OR s.id = ${filter.id ?? null})
      AND (${filter.slot ?? null}::text IS NULL OR s.slot = ${filter.slot ?? null})
      AND (${filter.examId ?? null}::text IS NULL OR s.exam_id = ${filter.examId ?? null})
    ORDER BY s.opens_at, s.id`;
  return rows.map(viewOf);
}

/** The rules every stored schedule keeps; the exam version must exist (NOT_FOUND). */
async function checkSchedule(sql: Sql, s: Schedule): Promise<void> {
  const windowMs = s.closesAt.getTime() - s.opensAt.getTime();
  if (windowMs <= 0) throw new ExamhallError('BAD_REQUEST', `closesAt (${s.closesAt.toISOString()}) must be after opensAt (${s.opensAt.toISOString()})`);
  if (windowMs > LIMITS.windowDays * 86_400_000) throw new ExamhallError('BAD_REQUEST', `the window is longer than ${LIMITS.windowDays} days`);
  if (durationSeconds(s.durationMinutes) * 1000 > windowMs) {
    throw new ExamhallError('BAD_REQUEST', `durationMinutes (${s.durationMinutes}) does not fit in the window of ${Math.floor(windowMs / 60_000)} minutes`);
  }
  const [exam] = await sql`SELECT 1 FROM exams WHERE id = ${s.examId} AND version = ${s.examVersion}`;
  if (!exam) throw new ExamhallError('NOT_FOUND', `exam ${s.examId} version ${s.examVersion} does not exist; import it first`);
}

function scheduleOf(r: SittingRow): Schedule {
  return {
    examId: r.exam_id, examVersion: r.exam_version, title: r.title, opensAt: r.opens_at, closesAt: r.closes_at,
    durationMinutes: r.duration_s / 60, graceSeconds: r.grace_s, startMode: r.start_mode, slot: r.slot,
  };
}

function viewOf(r: SittingRow): SittingView {
  return {
    id: r.id, ...scheduleOf(r), opensAt: r.opens_at.toISOString(), closesAt: r.closes_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null, pausedAt: r.paused_at?.toISOString() ?? null, live: r.live,
    counts: { enrolled: r.enrolled, inLobby: r.in_lobby, inProgress: r.in_progress, finished: r.finished },
  };
}

/** The patch's fields as sittings columns (durations in seconds). */
function columnsOf(f: Omit<SittingPatch, 'override'>): Record<string, string | number | Date | null> {
  const columns: Record<string, string | number | Date | null | undefined> = {
    exam_id: f.examId, exam_version: f.examVersion, title: f.title, opens_at: f.opensAt, closes_at: f.closesAt,
    duration_s: f.durationMinutes === undefined ? undefined : durationSeconds(f.durationMinutes),
    grace_s: f.graceSeconds, start_mode: f.startMode, slot: f.slot,
  };
  return definedOnly(columns) as Record<string, string | number | Date | null>;
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
