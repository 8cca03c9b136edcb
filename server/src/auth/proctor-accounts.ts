import { randomBytes } from 'node:crypto';
import { ExamhallError, PROCTOR_PASSWORD_LENGTH, ProctorScope, type ProctorSignInReply, type ProctorSignInRequest } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import type { RedisClient } from '../store/redis.js';
import { runQuery } from '../store/queries.js';
import { accessCodeMatches, decoyHash, hashAccessCode } from './access-codes.js';
import { SignInLimiter } from './sign-in-limiter.js';
import type { TokenService } from './tokens.js';

/** Passwords are hashed with the same salted scrypt as access codes. */
const hashPassword = hashAccessCode;
const passwordMatches = accessCodeMatches;
export const PASSWORD_LENGTH = PROCTOR_PASSWORD_LENGTH;

/** A generated password: 18 random bytes, base64url (24 characters, 144 bits). */
export const newPassword = () => randomBytes(18).toString('base64url');

/**
 * A scope change or a disable is committed before the account's earlier tokens are revoked (the
 * revocation needs Redis). If Redis refuses, the caller hears what stands and that repeating the
 * same call (idempotent) revokes them, instead of a bare "nothing was changed".
 */
export async function thenRevoke<T>(done: string, revoke: () => Promise<T>): Promise<T> {
  try {
    return await revoke();
  } catch (err) {
    if (err instanceof ExamhallError && err.code === 'REDIS_UNAVAILABLE') {
      throw new ExamhallError('REDIS_UNAVAILABLE', `${done}, but its earlier tokens are not revoked yet: repeat the same call to revoke them`);
    }
    throw err;
  }
}

export interface ProctorAccount {
  id: string;
  name: string;
  createdAt: string;
  disabledAt: string | null;
  scopes: ProctorScope[];
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw new ExamhallError('BAD_REQUEST', `a password has ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max} characters`);
  }
}

const audit = (sql: Sql, actor: string, action: string, details: object, sittingId: string | null = null) =>
  runQuery(sql, 'insert-audit', [actor, action, null, JSON.stringify(details), sittingId]);

/** Creates an account; without a password one is generated and returned (only here: only its hash is stored). */
export async function createProctorAccount(sql: Sql, input: { id: string; name: string; password?: string }, actor: string): Promise<{ id: string; name: string; generatedPassword?: string }> {
  const password = input.password ?? newPassword();
  checkPassword(password);
  const hash = await hashPassword(password);
  const rows = await sql`INSERT INTO proctor_accounts (id, name, password_hash) VALUES (${input.id}, ${input.name}, ${hash}) ON CONFLICT (id) DO NOTHING RETURNING id`;
  if (rows.length === 0) throw new ExamhallError('CONFLICT', `proctor account ${input.id} exists`);
  await audit(sql, actor, 'proctor.create', { proctorId: input.id, name: input.name });
  return input.password === undefined ? { id: input.id, name: input.name, generatedPassword: password } : { id: input.id, name: input.name };
}

export async function listProctorAccounts(sql: Sql): Promise<ProctorAccount[]> {
  const rows = await sql<Array<{ id: string; name: string; created_at: Date; disabled_at: Date | null; scopes: ProctorScope[] | null }>>`
    SELECT a.id, a.name, a.created_at, a.disabled_at,
           json_agg(json_build_object('sittingId', s.sitting_id, 'role', s.role, 'districts', s.districts, 'centers', s.centers) ORDER BY s.sitting_id)
             FILTER (WHERE s.sitting_id IS NOT NULL) AS scopes
    FROM proctor_accounts a LEFT JOIN proctor_scopes s ON s.proctor_id = a.id
    GROUP BY a.id ORDER BY a.id`;
  return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at.toISOString(), disabledAt: r.disabled_at?.toISOString() ?? null, scopes: r.scopes ?? [] }));
}

/**
 * Sets what an account may watch in a sitting (replacing what it had there). The sitting, and each
 * district and center, must exist; a proctor needs at least one district or center, an admin none.
 */
export async function setProctorScope(sql: Sql, proctorId: string, scope: ProctorScope, actor: string): Promise<ProctorScope> {
  const clean: ProctorScope = scope.role === 'admin'
    ? { ...scope, districts: [], centers: [] }
    : { ...scope, districts: [...new Set(scope.districts)], centers: [...new Set(scope.centers)] };
  if (clean.role === 'proctor' && clean.districts.length + clean.centers.length === 0) throw new ExamhallError('BAD_REQUEST', 'a proctor scope needs districts or centers (or role admin)');
  await checkScopeExists(sql, proctorId, clean);
  await sql`
    INSERT INTO proctor_scopes (proctor_id, sitting_id, role, districts, centers)
    VALUES (${proctorId}, ${clean.sittingId}, ${clean.role}, ${clean.districts}, ${clean.centers})
    ON CONFLICT (proctor_id, sitting_id) DO UPDATE SET role = excluded.role, districts = excluded.districts, centers = excluded.centers, updated_at = now()`;
  await audit(sql, actor, 'proctor.scope', { proctorId, ...clean }, clean.sittingId);
  return clean;
}

/** NOT_FOUND naming what is missing: the account, the sitting, districts or centers. */
export async function checkScopeExists(sql: Sql, proctorId: string | null, scope: ProctorScope): Promise<void> {
  const [found] = await sql<Array<{ account: boolean; sitting: boolean; missing_districts: string[]; missing_centers: string[] }>>`
    SELECT EXISTS (SELECT 1 FROM proctor_accounts WHERE id = ${proctorId ?? ''}) AS account,
           EXISTS (SELECT 1 FROM sittings WHERE id = ${scope.sittingId}) AS sitting,
           ARRAY(SELECT d FROM unnest(${scope.districts}::text[]) d WHERE NOT EXISTS (SELECT 1 FROM districts WHERE id = d)) AS missing_districts,
           ARRAY(SELECT c FROM unnest(${scope.centers}::text[]) c WHERE NOT EXISTS (SELECT 1 FROM centers WHERE id = c)) AS missing_centers`;
  if (proctorId !== null && !found!.account) throw new ExamhallError('NOT_FOUND', `no proctor account ${proctorId}`);
  if (!found!.sitting) throw new ExamhallError('SITTING_NOT_FOUND', scope.sittingId);
  const missing = [...found!.missing_districts.map((d) => `district ${d}`), ...found!.missing_centers.map((c) => `center ${c}`)];
  if (missing.length > 0) throw new ExamhallError('NOT_FOUND', `unknown ${missing.join(', ')}`);
}

/** Disables an account: it can no longer sign in (revoking the tokens it holds is the caller's next step). */
export async function disableProctorAccount(sql: Sql, proctorId: string, actor: string): Promise<{ disabledAt: string; already: boolean }> {
  const [row] = await sql<Array<{ disabled_at: Date; already: boolean }>>`
    UPDATE proctor_accounts SET disabled_at = coalesce(disabled_at, now()) WHERE id = ${proctorId}
    RETURNING disabled_at, disabled_at < now() AS already`;
  if (!row) throw new ExamhallError('NOT_FOUND', `no proctor account ${proctorId}`);
  if (!row.already) await audit(sql, actor, 'proctor.disable', { proctorId });
  return { disabledAt: row.disabled_at.toISOString(), already: row.already };
}

/**
 * Exchanges an account's id and password for a proctor token carrying its scope in that sitting.
 * Rate-limited in Redis per address and per account, like candidates' access codes. An unknown
 * account, a wrong password and a disabled account get the same SIGN_IN_FAILED (and cost the same
 * scrypt); only the right password for an account without a scope in the sitting hears SCOPE_FORBIDDEN.
 */
export class ProctorSignIn {
  private readonly limiter: SignInLimiter;
  constructor(private readonly deps: { sql: Sql; redis: RedisClient; tokens: TokenService; prefix: string; ttlS: number }) {
    this.limiter = new SignInLimiter(deps.redis, deps.prefix, 'proctor-sign-in');
  }

  async signIn(request: ProctorSignInRequest, address: string): Promise<ProctorSignInReply> {
    await this.limiter.admit(address, request.proctorId);
    const [row] = await this.deps.sql<Array<{ password_hash: string; disabled_at: Date | null; role: 'proctor' | 'admin' | null; districts: string[] | null; centers: string[] | null }>>`
      SELECT a.password_hash, a.disabled_at, s.role, s.districts, s.centers
      FROM proctor_accounts a LEFT JOIN proctor_scopes s ON s.proctor_id = a.id AND s.sitting_id = ${request.sittingId}
      WHERE a.id = ${request.proctorId}`;
    const matches = await passwordMatches(request.password, row?.password_hash ?? (await decoyHash()));
    if (!row || !matches || row.disabled_at) {
      await this.limiter.failed(request.proctorId);
      // the registry's message speaks of candidates' access codes: say what is meant here (the same for every cause)
      throw new ExamhallError('SIGN_IN_FAILED', 'the proctor id or password is not right');
    }
    if (!row.role) throw new ExamhallError('SCOPE_FORBIDDEN', `no scope in sitting ${request.sittingId}`);
    const scope: ProctorScope = { sittingId: request.sittingId, role: row.role, districts: row.districts ?? [], centers: row.centers ?? [] };
    const token = await this.deps.tokens.issueProctorToken({ proctorId: request.proctorId, scope }, this.deps.ttlS);
    return { token, expiresAt: Math.floor((Date.now() + this.deps.ttlS * 1000) / 1000) * 1000, scope };
  }
}
