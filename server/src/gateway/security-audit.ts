import { Counter } from 'prom-client';
import type { Logger } from '../observability/logger.js';
import { registry } from '../observability/metrics.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { TokenBucket } from './token-bucket.js';

/** Refusals worth an audit row: someone tried what an honest client never does. */
export type SecurityRefusal =
  | 'rate_limited'
  | 'too_many_connections'
  | 'origin_not_allowed'
  | 'auth_invalid'
  | 'attempt_forbidden'
  | 'scope_forbidden'
  | 'role_forbidden'
  | 'token_revoked';

export interface RefusalSource {
  /** `candidate:<id>`, `proctor:<id>` or `address:<ip>` when no token was accepted */
  actor: string;
  sittingId?: string | null;
  /** the actor's own attempt, if any (never an id it claimed: that goes into details) */
  attemptId?: string | null;
}

const refusals = new Counter({
  name: 'examhall_security_refusals_total',
  help: 'Refusals of what an honest client never sends (floods, forged tokens, foreign ids...), by kind; audited at most once per actor and kind per window',
  labelNames: ['kind'],
  registers: [registry],
});

/** Keys older than the window are forgotten once this many are held. */
const PRUNE_AT = 10_000;

/**
 * Writes security refusals to `audit_log` (action `security.<kind>`), cheaply: at most one row per
 * (kind, actor) per window, the refusals skipped meanwhile counted into the next row, and at most
 * `rowsPerS` rows a second overall. A flood of a million frames costs one row, never a write each.
 */
export class SecurityAudit {
  private readonly seen = new Map<string, { writtenAt: number; skipped: number }>();
  private readonly rows: TokenBucket;
  private readonly writes = new Set<Promise<unknown>>();

  constructor(private readonly deps: { sql: Sql; logger: Logger; windowMs?: number; rowsPerS?: number }) {
    const rowsPerS = deps.rowsPerS ?? 20;
    // without overdraw: refusals beyond the budget must not push it into a debt that silences the audit for long
    this.rows = new TokenBucket(rowsPerS, rowsPerS, Number.POSITIVE_INFINITY, Date.now(), false);
  }

  record(kind: SecurityRefusal, source: RefusalSource, details: Record<string, unknown> = {}): void {
    refusals.inc({ kind });
    const now = Date.now();
    const key = `${kind}|${source.actor}`;
    const entry = this.seen.get(key);
    if (entry && now - entry.writtenAt < this.windowMs) return void entry.skipped++;
    if (this.rows.take(now) !== 'pass') {
      if (entry) entry.skipped++;
      return;
    }
    const skipped = entry?.skipped ?? 0;
    if (!entry && this.seen.size >= PRUNE_AT) this.prune(now);
    this.seen.set(key, { writtenAt: now, skipped: 0 });
    const write = runQuery(this.deps.sql, 'insert-audit', [
      source.actor, `security.${kind}`, source.attemptId ?? null,
      JSON.stringify({ ...details, skippedSinceLastRow: skipped }), source.sittingId ?? null,
    ]).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message, kind }, 'security audit row not written'));
    this.writes.add(write);
    void write.finally(() => this.writes.delete(write));
  }

  /** waits for the rows being written (shutdown, tests) */
  async flush(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  private get windowMs(): number {
    return this.deps.windowMs ?? 60_000;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.seen) if (now - entry.writtenAt >= this.windowMs) this.seen.delete(key);
  }
}
