import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './db.js';
import { metrics } from '../observability/metrics.js';

const sqlDir = join(dirname(fileURLToPath(import.meta.url)), 'sql');

/** Every statement in store/sql/, by file name without `.sql`; each file's header says its inputs and outputs. */
const statements: ReadonlyMap<string, string> = new Map(
  readdirSync(sqlDir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => [basename(f, '.sql'), readFileSync(join(sqlDir, f), 'utf8')]),
);

export type QueryName =
  | 'find-attempt-context'
  | 'start-attempt'
  | 'attempt-answers'
  | 'load-exam'
  | 'flush-answers'
  | 'upsert-districts'
  | 'upsert-centers'
  | 'upsert-candidates'
  | 'enroll-candidates'
  | 'insert-exam'
  | 'insert-exam-keys'
  | 'upsert-sitting'
  | 'lock-attempt'
  | 'update-attempt-timing'
  | 'finalize-attempt'
  | 'rescore-attempt'
  | 'upsert-question-scores'
  | 'load-exam-keys'
  | 'insert-audit'
  | 'overdue-attempts'
  | 'start-sitting'
  | 'sitting-timing'
  | 'promote-lobby-attempt'
  | 'mark-sitting-started'
  | 'started-sittings-with-lobby'
  // proctor actions
  | 'target-candidates'
  | 'target-centers'
  | 'target-sitting'
  | 'lock-attempts'
  | 'update-attempts-timing'
  | 'set-attempt-lock'
  | 'presence-events'
  | 'open-alerts'
  | 'dismiss-alerts'
  // proctoring (gateway and worker side)
  | 'attempt-scopes'
  | 'record-presence'
  | 'record-activity'
  | 'open-alert'
  | 'close-alerts'
  | 'sweep-alerts'
  | 'roster-snapshot'
  | 'sitting-summary'
  | 'set-sitting-paused'
  | 'upsert-access-codes'
  | 'find-access-code'
  | 'sitting-candidate-ids'
  | 'close-dead-gateway-presence'
  // roster with batches and slots
  | 'upsert-roster-candidates'
  // token revocation (gateway handshake fallback, mirror rebuild)
  | 'token-revoked'
  | 'active-revocations';

/**
 * Statements whose file says `-- plan: each run` are planned at every execution (an unnamed
 * statement) instead of prepared once. Postgres keeps a prepared statement's generic plan, made
 * with the table sizes of its first runs, until the next ANALYZE; answers, alerts and presence start
 * empty in every sitting, so a sweep or batch prepared then kept scanning them whole after they grew
 * to 40,000 attempts (an alert sweep ran for minutes). These handle a batch or a whole sitting, so
 * planning (~0.3 ms) is small against their work; single-row statements on the join and answer
 * path stay prepared, where planning would cost more than running them.
 */
const plannedEachRun: ReadonlySet<string> = new Set(
  [...statements].filter(([, text]) => /^-- plan: each run/m.test(text)).map(([name]) => name),
);

/** Runs a named statement with positional parameters: prepared, or planned each run (above). */
export function runQuery<Row extends object = Record<string, unknown>>(
  sql: Sql,
  name: QueryName,
  params: unknown[],
): Promise<Row[]> {
  const text = statements.get(name);
  if (!text) throw new Error(`no SQL file named ${name}.sql`);
  metrics.queriesInFlight.inc();
  const done = () => metrics.queriesInFlight.dec();
  const query = sql.unsafe(text, params as never[], { prepare: !plannedEachRun.has(name) }) as unknown as Promise<Row[]>;
  query.then(done, done);
  return query;
}
