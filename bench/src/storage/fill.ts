/**
 * Fills a schema like a big day: sitting `plans-big` with N attempts in progress and `plans-small`
 * with N/20, each attempt with Q current answers, V versions of each in answer_events, two presence
 * events and, for every 10th attempt, an open idle alert. Plain INSERT … SELECT (no server code), so
 * it fills the same rows whether answers is partitioned or not.
 */
import type { Sql } from '../../../server/src/store/db.js';
import { seedDemo } from '../../../server/src/exam/seed.js';

export interface FillOptions { attempts: number; questions: number; versions: number }

export const BIG_SITTING = 'plans-big';
export const SMALL_SITTING = 'plans-small';

export async function fillSchema(sql: Sql, o: FillOptions): Promise<void> {
  await seedDemo(sql, { candidates: 0, sittingId: BIG_SITTING, opensInMinutes: -60 });
  await seedDemo(sql, { candidates: 0, sittingId: SMALL_SITTING, opensInMinutes: -60 });
  const small = Math.max(1, Math.floor(o.attempts / 20));
  await sql.unsafe(
    `INSERT INTO candidates (id, center_id, name)
     SELECT 'plan-' || lpad(g::text, 7, '0'), (ARRAY['mumbai-c1','mumbai-c2','pune-c1','pune-c2','nagpur-c1'])[1 + g % 5], 'Teacher ' || g
     FROM generate_series(1, $1::int) g`,
    [o.attempts + small],
  );
  await sql.unsafe(
    `INSERT INTO sitting_candidates (sitting_id, candidate_id)
     SELECT CASE WHEN g <= $1::int THEN '${BIG_SITTING}' ELSE '${SMALL_SITTING}' END, 'plan-' || lpad(g::text, 7, '0')
     FROM generate_series(1, $2::int) g`,
    [o.attempts, o.attempts + small],
  );
  await sql.unsafe(
    `INSERT INTO attempts (sitting_id, candidate_id, status, started_at, deadline_at)
     SELECT sitting_id, candidate_id, 'in_progress', now() - interval '40 minutes', now() + interval '50 minutes'
     FROM sitting_candidates WHERE sitting_id IN ('${BIG_SITTING}', '${SMALL_SITTING}')`,
  );
  // versions of one question arrive a few seconds apart; the current answer is the last one
  await sql.unsafe(
    `INSERT INTO answer_events (attempt_id, question_id, seq, value, received_at, gateway_id, committed_at)
     SELECT a.id, 'q' || lpad(q::text, 2, '0'), q * 100 + v, jsonb_build_object('kind', 'single', 'optionId', 'o' || v),
            now() - interval '30 minutes' + make_interval(secs => q * 60 + v), 'gw-1', now() - interval '30 minutes' + make_interval(secs => q * 60 + v)
     FROM attempts a, generate_series(1, $1::int) q, generate_series(1, $2::int) v`,
    [o.questions, o.versions],
  );
  await sql.unsafe(
    `INSERT INTO answers (attempt_id, question_id, seq, value, received_at, gateway_id, committed_at)
     SELECT DISTINCT ON (attempt_id, question_id) attempt_id, question_id, seq, value, received_at, gateway_id, committed_at
     FROM answer_events ORDER BY attempt_id, question_id, seq DESC`,
  );
  await sql.unsafe(
    `INSERT INTO presence_events (attempt_id, session_id, kind, at, gateway_id)
     SELECT a.id, 's-' || k, (ARRAY['connect','disconnect'])[k], now() - interval '45 minutes' + make_interval(mins => k), 'gw-1'
     FROM attempts a, generate_series(1, 2) k`,
  );
  await sql.unsafe(
    `INSERT INTO presence (attempt_id, session_id, online, changed_at, gateway_id)
     SELECT id, 's-1', true, now() - interval '45 minutes', 'gw-1' FROM attempts`,
  );
  await sql.unsafe(
    `INSERT INTO alerts (attempt_id, sitting_id, kind, detail, last_at)
     SELECT id, sitting_id, 'idle', 'filled', now() - interval '35 minutes' FROM attempts WHERE hashtext(id::text) % 10 = 0`,
  );
  // only this schema's tables (a bare ANALYZE would process every schema of the shared database)
  await sql.unsafe('ANALYZE attempts, answers, answer_events, presence, presence_events, alerts, candidates, sitting_candidates');
}
