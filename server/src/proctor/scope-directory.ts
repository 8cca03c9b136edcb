import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { AttemptScope } from './rooms.js';

/** Entries kept before the cache starts over (an entry is ~200 bytes; a candidate never changes center mid-sitting). */
const MAX_ENTRIES = 200_000;

/**
 * Attempt id → where its candidate sits, for processes that only know an attempt id (a worker that
 * committed a batch, a finalisation). One query per batch of unknown ids; cached for the process's life.
 */
export class ScopeDirectory {
  private readonly cache = new Map<string, AttemptScope>();
  constructor(private readonly sql: Sql) {}

  remember(attemptId: string, scope: AttemptScope): void {
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(attemptId, scope);
  }

  async resolve(attemptIds: Iterable<string>): Promise<Map<string, AttemptScope>> {
    const found = new Map<string, AttemptScope>();
    const missing: string[] = [];
    for (const id of attemptIds) {
      const hit = this.cache.get(id);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 5000) {
      const rows = await runQuery<{ attempt_id: string; sitting_id: string; candidate_id: string; center_id: string; district_id: string }>(
        this.sql, 'attempt-scopes', [missing.slice(i, i + 5000)],
      );
      for (const r of rows) {
        const scope = { sittingId: r.sitting_id, candidateId: r.candidate_id, centerId: r.center_id, districtId: r.district_id };
        this.remember(r.attempt_id, scope);
        found.set(r.attempt_id, scope);
      }
    }
    return found;
  }
}
