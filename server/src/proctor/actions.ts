import { randomUUID } from 'node:crypto';
import {
  ExamhallError, ProctorAction, attemptRoom,
  type ActionOutcome, type ActionReply, type ErrorCode, type ProctorMessage,
} from '@examhall/shared';
import type { AttemptServices } from '../attempts/services.js';
import type { ProctorIdentity } from '../auth/tokens.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import { BulkTiming, type ProctorStep } from './bulk-timing.js';
import { byCandidate, clip, duration, failed, mapLimit, splitOpen, type Performed } from './action-support.js';
import { compensationSeconds, offlineWithin } from './compensation.js';
import { dismissTargetedAlerts } from './dismiss-alerts.js';
import { loadPresenceEvents } from './presence-history.js';
import { candidateRooms } from './rooms.js';
import { resolveTargets, scopeOf, type ResolvedTargets, type TargetRow } from './targets.js';

export interface ProctorActionsDeps {
  sql: Sql;
  services: AttemptServices;
  logger: Logger;
  /** extend, pause, resume and compensate on at least this many attempts run as one bulk transaction (a whole sitting always does) */
  bulkFrom?: number;
  /** per-attempt transactions in flight at once */
  concurrency?: number;
}

/** What one action is about, for its handlers. */
interface AnyJob {
  action: { kind: ProctorAction['kind']; reason?: string };
  identity: ProctorIdentity;
  /** `proctor:<id>` in the audit log */
  actor: string;
  targets: ResolvedTargets;
}
interface Job<K extends ProctorAction['kind'] = ProctorAction['kind']> extends AnyJob {
  action: Extract<ProctorAction, { kind: K }>;
}

/** One attempt's part of a timing action. */
interface TimingEntry {
  row: TargetRow;
  /** extend: the seconds for this attempt */
  seconds?: number;
  /** for this attempt's audit row */
  details: Record<string, unknown>;
  /** for the proctors' feed line, e.g. 'extended 5 min' */
  verb: string;
  /** more for the outcome when applied (compensate: the seconds granted) */
  outcome?: Partial<ActionOutcome>;
}

/** Past this many outcomes a reply lists only the failures and compensate's grants (the counts stay exact). */
const OUTCOME_LIST_MAX = 5000;
/** Failures named in the sitting-level audit row. */
const AUDITED_FAILURES_MAX = 100;

/**
 * A proctor's actions on candidates (`proctor:action`): resolves the target within the proctor's
 * scope, applies the action to each attempt — one attempt's failure never stops the others — and
 * writes one sitting-level audit row (who, when, why, to whom) besides the attempts' own rows.
 * Whole-action refusals throw ExamhallError (SCOPE_FORBIDDEN, ROLE_FORBIDDEN, BAD_REQUEST).
 */
export class ProctorActions {
  private readonly bulk: BulkTiming;
  private readonly bulkFrom: number;
  private readonly concurrency: number;

  constructor(private readonly deps: ProctorActionsDeps) {
    const { sql, services, logger } = deps;
    this.bulk = new BulkTiming({ sql, notifier: services.notifier, scheduler: services.scheduler, logger });
    this.bulkFrom = deps.bulkFrom ?? 50;
    this.concurrency = deps.concurrency ?? 8;
  }

  async run(identity: ProctorIdentity, input: ProctorAction): Promise<ActionReply> {
    const parsed = ProctorAction.safeParse(input);
    if (!parsed.success) throw new ExamhallError('BAD_REQUEST', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const action = parsed.data;
    if (action.kind === 'compensate' && !(action.to > action.from)) throw new ExamhallError('BAD_REQUEST', 'compensate: `to` must be after `from`');

    const targets = await resolveTargets(this.deps.sql, identity, action.target);
    for (const row of targets.rows) if (row.attemptId) this.deps.services.notifier.scopes.remember(row.attemptId, scopeOf(targets.sittingId, row));
    const job: Job = { action, identity, actor: `proctor:${identity.proctorId}`, targets };
    const started = Date.now();
    const { outcomes, details } = await this.perform(job);

    const failures = outcomes.filter((o) => !o.ok);
    await runQuery(this.deps.sql, 'insert-audit', [
      job.actor, `proctor.${action.kind}`, null,
      JSON.stringify({
        reason: action.reason ?? null, target: action.target, ...details,
        applied: outcomes.length - failures.length, failed: failures.length,
        failures: failures.slice(0, AUDITED_FAILURES_MAX).map((o) => ({ candidateId: o.candidateId, error: o.error })),
      }),
      targets.sittingId,
    ]);
    this.deps.logger.info(
      { proctor: identity.proctorId, sitting: targets.sittingId, kind: action.kind, targets: targets.rows.length, failed: failures.length, ms: Date.now() - started },
      'proctor action',
    );
    const listed = outcomes.length <= OUTCOME_LIST_MAX ? outcomes : outcomes.filter((o) => !o.ok || (o.seconds ?? 0) > 0);
    return { kind: action.kind, applied: outcomes.length - failures.length, failed: failures.length, outcomes: listed };
  }

  private perform(job: Job): Promise<Performed> {
    const { action } = job;
    switch (action.kind) {
      case 'extend':
        return this.timing(job, 'extend', action.seconds);
      case 'pause':
      case 'resume':
        return this.pauseOrResume(job, action.kind);
      case 'lock':
      case 'unlock':
        return this.eachAttempt(job, async (row) => {
          await this.deps.services.timing[action.kind](row.attemptId!, { actor: job.actor, reason: action.reason, details: { action: `proctor.${action.kind}` } });
          this.line(job, row, `${action.kind}ed`);
          return {};
        });
      case 'terminate':
        return this.eachAttempt(job, async (row) => {
          const outcome = await this.deps.services.finalizer.finalize(row.attemptId!, {
            status: 'terminated', actor: job.actor, auditDetails: { action: 'proctor.terminate', reason: action.reason },
          });
          if (outcome.kind !== 'final' || !outcome.changed) return { error: 'ATTEMPT_CLOSED' };
          this.line(job, row, 'terminated');
          return {};
        });
      case 'message':
        return this.message(job as Job<'message'>);
      case 'compensate':
        return this.compensate(job as Job<'compensate'>);
      case 'dismiss_alert':
        return dismissTargetedAlerts(
          { sql: this.deps.sql, feed: this.deps.services.notifier.feed },
          { targets: job.targets, alertIds: action.alertIds, actor: job.actor, text: (verb) => this.text(job, verb) },
        );
    }
  }

  /**
   * An incident pause of the whole sitting is also stamped on the sitting, before the attempts are
   * paused, so that a candidate starting meanwhile starts paused; a resume clears it first, so that
   * none starts paused after the attempts were resumed.
   */
  private async pauseOrResume(job: AnyJob, step: 'pause' | 'resume'): Promise<Performed> {
    if (job.targets.kind === 'sitting') await runQuery(this.deps.sql, 'set-sitting-paused', [job.targets.sittingId, step === 'pause']);
    return this.timing(job, step);
  }

  /** extend / pause / resume of every targeted attempt that is open. */
  private async timing(job: AnyJob, step: ProctorStep, seconds?: number): Promise<Performed> {
    const { open, outcomes } = splitOpen(job.targets.rows);
    const verb = step === 'extend' ? `extended ${duration(seconds!)}` : step === 'pause' ? 'paused' : 'resumed';
    const details = { action: `proctor.${job.action.kind}` };
    const applied = await this.applyTiming(job, step, open.map((row) => ({ row, seconds, details, verb })));
    return { outcomes: byCandidate([...outcomes, ...applied.outcomes]), details: { bulk: applied.bulk } };
  }

  /**
   * One timing step on these open attempts: through AttemptTiming one by one, or as one bulk
   * transaction for a whole sitting or many attempts (BulkTiming). A feed line for each change.
   */
  private async applyTiming(job: AnyJob, step: ProctorStep, entries: TimingEntry[]): Promise<{ outcomes: ActionOutcome[]; bulk: boolean }> {
    const change = { actor: job.actor, reason: job.action.reason! };
    const done = (e: TimingEntry, changed: boolean): ActionOutcome => {
      if (changed) this.line(job, e.row, e.verb);
      return { candidateId: e.row.candidateId, ok: true, ...e.outcome };
    };
    if (job.targets.kind === 'sitting' || entries.length >= this.bulkFrom) {
      const items = entries.map((e) => ({ attemptId: e.row.attemptId!, seconds: e.seconds, details: e.details }));
      const result = await this.bulk.apply(step, items, change);
      const changed = new Set(result.changed);
      const outcomes = entries.map((e) => {
        const error = result.outcomes.get(e.row.attemptId!) ?? null;
        return error ? failed(e.row, error) : done(e, changed.has(e.row.attemptId!));
      });
      return { outcomes, bulk: true };
    }
    const outcomes: ActionOutcome[] = [];
    await mapLimit(entries, this.concurrency, async (e) => {
      outcomes.push(await this.attempt(e.row, async () => {
        const attemptId = e.row.attemptId!;
        const attemptChange = { ...change, details: e.details };
        if (step === 'extend') await this.deps.services.timing.extend(attemptId, e.seconds!, attemptChange);
        else await this.deps.services.timing[step](attemptId, attemptChange);
        return done(e, true);
      }));
    });
    return { outcomes, bulk: false };
  }

  private async message(job: Job<'message'>): Promise<Performed> {
    const { action, targets } = job;
    const { open, outcomes } = splitOpen(targets.rows);
    const audience = targets.kind === 'candidates' ? 'candidate' : targets.kind === 'centers' ? 'center' : 'sitting';
    const rooms =
      audience === 'candidate' ? open.map((row) => attemptRoom(row.attemptId!))
      : audience === 'center' ? targets.centers.map((centerId) => candidateRooms.center(targets.sittingId, centerId))
      : [candidateRooms.sitting(targets.sittingId)];
    const message: ProctorMessage = { id: randomUUID(), text: action.text, at: Date.now(), audience };
    if (rooms.length) this.deps.services.notifier.message(rooms, message);
    for (const row of open) {
      outcomes.push({ candidateId: row.candidateId, ok: true });
      this.line(job, row, `message "${clip(action.text, 120)}"`, false);
    }
    return { outcomes: byCandidate(outcomes), details: { text: action.text, messageId: message.id, audience } };
  }

  /** Extra time equal to the time the server saw each candidate offline within [from, min(to, now)]. */
  private async compensate(job: Job<'compensate'>): Promise<Performed> {
    const { action } = job;
    const from = action.from;
    const to = Math.min(action.to, Date.now());
    const { open, outcomes } = splitOpen(job.targets.rows);
    const events = await loadPresenceEvents(this.deps.sql, open.map((row) => row.attemptId!), to);
    const grants = open.map((row) => {
      const offlineMs = offlineWithin(events.get(row.attemptId!) ?? [], from, to);
      return { row, offlineMs, seconds: compensationSeconds(offlineMs) };
    });
    for (const g of grants) if (g.seconds === 0) outcomes.push({ candidateId: g.row.candidateId, ok: true, seconds: 0 });
    const due = grants.filter((g) => g.seconds > 0);
    const applied = await this.applyTiming(job, 'extend', due.map((g) => ({
      row: g.row,
      seconds: g.seconds,
      details: { action: 'proctor.compensate', from, to, offlineMs: g.offlineMs },
      verb: `compensated ${duration(g.seconds)} offline`,
      outcome: { seconds: g.seconds },
    })));
    outcomes.push(...applied.outcomes);
    return { outcomes: byCandidate(outcomes), details: { from, to, granted: due.length } };
  }

  /** Runs `fn` for every targeted attempt that is open, a few at a time; the others get their error code. */
  private async eachAttempt(job: AnyJob, fn: (row: TargetRow) => Promise<{ error?: ErrorCode }>): Promise<Performed> {
    const { open, outcomes } = splitOpen(job.targets.rows);
    await mapLimit(open, this.concurrency, async (row) => {
      outcomes.push(await this.attempt(row, async () => {
        const { error } = await fn(row);
        return error ? failed(row, error) : { candidateId: row.candidateId, ok: true };
      }));
    });
    return { outcomes: byCandidate(outcomes) };
  }

  /** One attempt's part of an action: its ExamhallError becomes its outcome; anything else is logged as INTERNAL. */
  private async attempt(row: TargetRow, fn: () => Promise<ActionOutcome>): Promise<ActionOutcome> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ExamhallError) return failed(row, err.code);
      this.deps.logger.error({ err: (err as Error).message, attempt: row.attemptId }, 'proctor action failed for an attempt');
      return failed(row, 'INTERNAL');
    }
  }

  /** A line in proctors' live feed about what was done to this candidate, by whom and why. */
  private line(job: AnyJob, row: TargetRow, verb: string, withReason = true): void {
    this.deps.services.notifier.feed.record(
      row.attemptId!,
      { line: { kind: 'action', text: this.text(job, verb, withReason) } },
      scopeOf(job.targets.sittingId, row),
    );
  }

  private text(job: AnyJob, verb: string, withReason = true): string {
    const who = `${job.identity.scope.role} ${job.identity.proctorId}`;
    const reason = withReason && job.action.reason ? `: ${job.action.reason}` : '';
    return clip(`${verb} by ${who}${reason}`, 300);
  }
}
