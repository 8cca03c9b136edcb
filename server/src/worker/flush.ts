import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { AnswerItem } from '../answers/queue.js';

/** Distinct answer versions: the same (attempt, question, seq) delivered twice is one version. */
export function distinctVersions(items: readonly AnswerItem[]): AnswerItem[] {
  const seen = new Map<string, AnswerItem>();
  for (const item of items) {
    const key = `${item.a}\u0000${item.q}\u0000${item.s}`;
    const prior = seen.get(key);
    // the earliest receipt of a version is the one that counts for deadlines
    if (!prior || item.r < prior.r) seen.set(key, item);
  }
  return [...seen.values()];
}

/** The highest seq per (attempt, question): what the batch asks the store to hold. */
export function latestPerQuestion(items: readonly AnswerItem[]): AnswerItem[] {
  const latest = new Map<string, AnswerItem>();
  for (const item of items) {
    const key = `${item.a}\u0000${item.q}`;
    const prior = latest.get(key);
    if (!prior || item.s > prior.s) latest.set(key, item);
  }
  return [...latest.values()];
}

/**
 * Writes one batch in a single statement (flush-answers.sql): all versions to the event log,
 * the highest seq per question to `answers`, never moving a stored answer backwards.
 * Returns the attempts already final whose stored answers changed (they need a rescore).
 */
export async function flushAnswers(sql: Sql, gatewayId: string, items: readonly AnswerItem[]): Promise<string[]> {
  const versions = distinctVersions(items);
  if (versions.length === 0) return [];
  const rows = await runQuery<{ attempt_id: string }>(sql, 'flush-answers', [
    versions.map((i) => i.a),
    versions.map((i) => i.q),
    versions.map((i) => i.s),
    versions.map((i) => JSON.stringify(i.v)),
    versions.map((i) => i.r),
    versions.map(() => gatewayId),
  ]);
  return [...new Set(rows.map((r) => r.attempt_id))];
}
