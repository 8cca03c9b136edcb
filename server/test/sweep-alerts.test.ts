/**
 * The workers' alert sweep (sweep-alerts.sql) against real rows: idle and disconnected alerts open
 * once, close after a later save, and a second sweeper at the same moment does nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from './helpers/env.js';
import { runQuery } from '../src/store/queries.js';
import { flushAnswers } from '../src/worker/flush.js';

let env: TestEnv;
const sweep = () => runQuery<{ attempt_id: string; kind: string; opened: boolean }>(env.sql, 'sweep-alerts', [60, 600]);
const openAlerts = async (attemptId: string) =>
  (await env.sql.unsafe<{ kind: string }[]>('SELECT kind FROM alerts WHERE attempt_id = $1 AND closed_at IS NULL ORDER BY kind', [attemptId])).map((r) => r.kind);

async function startAttempt(n: number, startedMinutesAgo: number): Promise<string> {
  const [row] = await runQuery<{ attempt_id: string }>(env.sql, 'start-attempt', [env.seeded.sittingId, env.seeded.candidateIds[n]!, 'test', 'in_progress', new Date(Date.now() - startedMinutesAgo * 60_000)]);
  return row!.attempt_id;
}

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('sweep-alerts', () => {
  it('opens idle and disconnected alerts once and closes idle ones after a save', async () => {
    const quiet = await startAttempt(0, 20); // started 20 min ago, never saved: idle
    const busy = await startAttempt(1, 20);
    const fresh = await startAttempt(2, 1); // started a minute ago: not idle yet
    await flushAnswers(env.sql, 'test', [{ a: busy, q: 'q1', s: 1, v: { kind: 'text', text: 'x' }, r: Date.now() }]);
    // `quiet` went offline 5 minutes ago
    await env.sql.unsafe(`INSERT INTO presence (attempt_id, session_id, online, changed_at, gateway_id) VALUES ($1, 's', false, now() - interval '5 minutes', 'g')`, [quiet]);

    const first = await sweep();
    expect(first.filter((r) => r.opened).map((r) => `${r.attempt_id === quiet ? 'quiet' : 'other'}:${r.kind}`).sort()).toEqual(['quiet:disconnected', 'quiet:idle']);
    expect(await openAlerts(busy)).toEqual([]);
    expect(await openAlerts(fresh)).toEqual([]);
    expect(await sweep()).toEqual([]); // nothing new: alerts open once

    // a save after the alert closes the idle one (the disconnected one waits for a reconnect)
    await env.sql.unsafe(`UPDATE alerts SET last_at = now() - interval '1 second' WHERE attempt_id = $1`, [quiet]);
    await flushAnswers(env.sql, 'test', [{ a: quiet, q: 'q1', s: 1, v: { kind: 'text', text: 'y' }, r: Date.now() }]);
    expect(await sweep()).toEqual([{ attempt_id: quiet, kind: 'idle', opened: false }]);
    expect(await openAlerts(quiet)).toEqual(['disconnected']);
  });

  it('opens at most 2,000 per kind and sweep, and the next sweep takes the rest', async () => {
    const many = 2300;
    const ids = await env.sql.unsafe<{ id: string }[]>(
      `INSERT INTO candidates (id, center_id, name, extra_time_s) SELECT 'bulk-' || g, (SELECT center_id FROM candidates LIMIT 1), 'x', 0 FROM generate_series(1, $1) g RETURNING id`, [many]);
    await env.sql.unsafe(`INSERT INTO sitting_candidates (sitting_id, candidate_id) SELECT $1, id FROM unnest($2::text[]) id`, [env.seeded.sittingId, ids.map((r) => r.id)]);
    for (let i = 0; i < ids.length; i += 100) {
      await Promise.all(ids.slice(i, i + 100).map(({ id }) => runQuery(env.sql, 'start-attempt', [env.seeded.sittingId, id, 'test', 'in_progress', new Date(Date.now() - 30 * 60_000)])));
    }
    const opened = async () => (await sweep()).filter((r) => r.opened && r.kind === 'idle').length;
    expect(await opened()).toBe(2000);
    expect(await opened()).toBeGreaterThanOrEqual(many - 2000);
    expect(await opened()).toBe(0);
  }, 90_000);

  it('lets one sweeper work at a time', async () => {
    await startAttempt(3, 30);
    const [results] = await Promise.all([
      env.sql.begin(async (tx) => {
        await tx.unsafe(`SELECT pg_advisory_xact_lock(hashtext('examhall:sweep-alerts'))`);
        return runQuery(env.sql, 'sweep-alerts', [60, 600]); // another connection, while this one holds the lock
      }),
    ]);
    expect(results).toEqual([]);
    expect((await sweep()).length).toBeGreaterThan(0); // once free, the next sweep does the work
  });
});
