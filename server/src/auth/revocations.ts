import { ExamhallError, NAMESPACES } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { isClusterMode, type RedisClient } from '../store/redis.js';
import { runQuery } from '../store/queries.js';
import { broadcastEmitter } from '../gateway/socket-adapter.js';

/** What a revocation names: one token, every token of a candidate in a sitting, or every token of a proctor. */
export type RevocationTarget = { jti: string } | { candidateId: string; sittingId: string } | { proctorId: string };

/** A connected or connecting token, as the revocation checks see it. */
export interface TokenSubject {
  kind: 'candidate' | 'proctor';
  subjectId: string;
  sittingId: string;
  tokenId?: string;
  issuedAtMs?: number;
}

/** Sent to every gateway (through the Socket.IO adapter) so it closes the sockets a revocation covers. */
export type RevocationNotice = { tokenId: string } | { kind: 'candidate' | 'proctor'; subjectId: string; sittingId: string | null; notBeforeMs: number };

export const TOKENS_REVOKED_EVENT = 'internal:tokens-revoked';

/**
 * The Redis mirror's keys. In a cluster they share one hash tag, so a handshake's MGET (the marker,
 * the token, its subject) is one command on one shard.
 */
export function revocationKeys(config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES'>) {
  const base = isClusterMode(config) ? `{${config.REDIS_PREFIX}:revocations}` : `${config.REDIS_PREFIX}:revocations`;
  return {
    /** set once the mirror holds every active revocation; gone after Redis restarted empty or was flushed */
    loaded: `${base}:loaded`,
    token: (jti: string) => `${base}:jti:${jti}`,
    // ids may hold ':' but never '/', so the sitting and the candidate cannot run into each other
    candidate: (sittingId: string, candidateId: string) => `${base}:candidate:${sittingId}/${candidateId}`,
    proctor: (proctorId: string) => `${base}:proctor:${proctorId}`,
  };
}
type Keys = ReturnType<typeof revocationKeys>;

const subjectKey = (keys: Keys, s: { kind: 'candidate' | 'proctor'; subjectId: string; sittingId: string | null }) =>
  s.kind === 'candidate' ? keys.candidate(s.sittingId ?? '', s.subjectId) : keys.proctor(s.subjectId);

/** Whether a notice covers this token: the same jti, or the same subject and issued at or before the watermark. */
export function noticeCovers(notice: RevocationNotice, token: TokenSubject): boolean {
  if ('tokenId' in notice) return token.tokenId === notice.tokenId;
  if (notice.kind !== token.kind || notice.subjectId !== token.subjectId) return false;
  if (notice.sittingId !== null && notice.sittingId !== token.sittingId) return false;
  return (token.issuedAtMs ?? 0) <= notice.notBeforeMs;
}

/**
 * Records revocations: a row in Postgres (the record, append-only, with actor and reason) and its
 * mirror in Redis in the same step — if Redis cannot take it the row is rolled back and the caller
 * gets REDIS_UNAVAILABLE, so a revocation is never reported done while gateways would not see it.
 * Then every gateway is told, so sockets already connected with a covered token are closed.
 */
export class TokenRevoker {
  private readonly keys: Keys;
  private readonly emitter: ReturnType<typeof broadcastEmitter>;
  constructor(private readonly deps: { sql: Sql; redis: RedisClient; config: Config; logger: Logger }) {
    this.keys = revocationKeys(deps.config);
    this.emitter = broadcastEmitter(deps.config, deps.redis, (err) => deps.logger.warn({ err: err.message }, 'revocation notice not published'));
  }

  async revoke(target: RevocationTarget, actor: string, reason?: string): Promise<{ id: number; notice: RevocationNotice; expiresAt: Date }> {
    const { sql, redis, config } = this.deps;
    const ttlMs = config.TOKEN_TTL_S * 1000;
    const now = Date.now();
    const notice: RevocationNotice =
      'jti' in target ? { tokenId: target.jti }
      : 'candidateId' in target ? { kind: 'candidate', subjectId: target.candidateId, sittingId: target.sittingId, notBeforeMs: now }
      : { kind: 'proctor', subjectId: target.proctorId, sittingId: null, notBeforeMs: now };
    const expiresAt = new Date(now + ttlMs);
    const id = await sql.begin(async (tx) => {
      const row = 'tokenId' in notice
        ? { jti: notice.tokenId, subject_kind: null, subject_id: null, sitting_id: null, not_before_ms: null }
        : { jti: null, subject_kind: notice.kind, subject_id: notice.subjectId, sitting_id: notice.sittingId, not_before_ms: notice.notBeforeMs };
      const [inserted] = await tx<Array<{ id: string }>>`
        INSERT INTO token_revocations (actor, reason, jti, subject_kind, subject_id, sitting_id, not_before_ms, expires_at)
        VALUES (${actor}, ${reason ?? null}, ${row.jti}, ${row.subject_kind}, ${row.subject_id}, ${row.sitting_id}, ${row.not_before_ms}, ${expiresAt})
        RETURNING id`;
      await runQuery(tx as unknown as Sql, 'insert-audit', [actor, 'token.revoke', null, JSON.stringify({ ...target, reason: reason ?? null }), row.sitting_id]);
      const key = 'tokenId' in notice ? this.keys.token(notice.tokenId) : subjectKey(this.keys, notice);
      try {
        await redis.set(key, 'tokenId' in notice ? '1' : String(notice.notBeforeMs), 'PX', ttlMs);
      } catch (err) {
        throw new ExamhallError('REDIS_UNAVAILABLE', `the revocation was not recorded: ${(err as Error).message}`);
      }
      return Number(inserted!.id);
    });
    for (const nsp of [NAMESPACES.candidate, NAMESPACES.proctor]) this.emitter.of(nsp).serverSideEmit(TOKENS_REVOKED_EVENT, notice);
    return { id, notice, expiresAt };
  }
}

/** The longest a handshake waits for Redis before asking Postgres instead. */
const REDIS_CHECK_TIMEOUT_MS = 1500;

/**
 * The gateways' check at the handshake: one MGET (the "loaded" marker, the token's jti, its
 * subject's watermark) on the gateway's fail-fast Redis connection. No Postgres on the normal path.
 * - marker missing (Redis restarted empty, was flushed, or never loaded): the mirror is rebuilt
 *   from Postgres first (once per gateway however many handshakes wait), then checked again;
 * - Redis unreachable or slow: the same question goes to Postgres (one indexed query).
 */
export class RevocationChecker {
  private readonly keys: Keys;
  private reloading: Promise<void> | undefined;
  constructor(private readonly deps: { sql: Sql; redis: RedisClient; config: Pick<Config, 'REDIS_PREFIX' | 'REDIS_CLUSTER_NODES'>; logger: Logger }) {
    this.keys = revocationKeys(deps.config);
  }

  /** throws TOKEN_REVOKED for a revoked token (STORE_UNAVAILABLE when neither Redis nor Postgres can tell) */
  async check(token: TokenSubject): Promise<void> {
    const keys = [this.keys.loaded, subjectKey(this.keys, token), ...(token.tokenId ? [this.keys.token(token.tokenId)] : [])];
    let values = await this.read(keys);
    if (values && values[0] === null) {
      await this.reloadOnce().catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message }, 'revocation mirror not rebuilt'));
      values = await this.read(keys);
      if (values && values[0] === null) values = undefined; // still not loaded: ask Postgres
    }
    const revoked = values ? isRevoked(values, token) : await this.checkInPostgres(token);
    // the detail names the token's own subject (its holder knows it): the security audit records who it was
    if (revoked) throw new ExamhallError('TOKEN_REVOKED', `${token.kind}:${token.subjectId}`);
  }

  private async read(keys: string[]): Promise<(string | null)[] | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), REDIS_CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.deps.redis.mget(keys), timeout]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async checkInPostgres(token: TokenSubject): Promise<boolean> {
    try {
      const [row] = await runQuery<{ revoked: boolean }>(this.deps.sql, 'token-revoked', [token.tokenId ?? null, token.kind, token.subjectId, token.sittingId, token.issuedAtMs ?? 0]);
      return row?.revoked === true;
    } catch {
      throw new ExamhallError('STORE_UNAVAILABLE', 'the revocation list cannot be read');
    }
  }

  private reloadOnce(): Promise<void> {
    return (this.reloading ??= this.reload().then(() => undefined).finally(() => (this.reloading = undefined)));
  }

  /** Writes every active revocation into Redis (NX: a value written since by a revoker is newer), then the marker. */
  async reload(): Promise<number> {
    const rows = await runQuery<{ jti: string | null; subject_kind: 'candidate' | 'proctor' | null; subject_id: string | null; sitting_id: string | null; not_before_ms: string | null; expires_in_ms: string }>(
      this.deps.sql, 'active-revocations', []);
    const pipeline = this.deps.redis.pipeline();
    for (const r of rows) {
      const ttl = Math.max(1, Number(r.expires_in_ms));
      if (r.jti) pipeline.set(this.keys.token(r.jti), '1', 'PX', ttl, 'NX');
      else pipeline.set(subjectKey(this.keys, { kind: r.subject_kind!, subjectId: r.subject_id!, sittingId: r.sitting_id }), r.not_before_ms!, 'PX', ttl, 'NX');
    }
    pipeline.set(this.keys.loaded, String(Date.now()));
    const results = await pipeline.exec();
    const failed = results?.find(([err]) => err);
    if (failed) throw failed[0]!;
    this.deps.logger.info({ revocations: rows.length }, 'revocation mirror loaded into Redis');
    return rows.length;
  }
}

function isRevoked(values: (string | null)[], token: TokenSubject): boolean {
  if (values[2] != null) return true;
  const watermark = values[1];
  return watermark != null && (token.issuedAtMs ?? 0) <= Number(watermark);
}
