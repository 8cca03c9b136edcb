import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';

/** Who called the HTTP API: recorded as the actor of every change it makes (`api:<name>`). */
export interface ApiCaller {
  keyId: string;
  name: string;
  role: 'admin';
}

const KEY_FORMAT = /^ehk_([a-z0-9]{12})\.([A-Za-z0-9_-]{43})$/;
const sha256 = (secret: string) => createHash('sha256').update(secret).digest();

/** Creates a key and returns it whole, once: only the hash of its secret is stored. */
export async function createApiKey(sql: Sql, name: string): Promise<{ id: string; key: string }> {
  const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  await sql`INSERT INTO api_keys (id, name, secret_hash) VALUES (${id}, ${name}, ${sha256(secret).toString('hex')})`;
  return { id, key: `ehk_${id}.${secret}` };
}

export async function revokeApiKey(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${id} AND revoked_at IS NULL RETURNING id`;
  return rows.length > 0;
}

export async function listApiKeys(sql: Sql): Promise<Array<{ id: string; name: string; role: string; created_at: Date; revoked_at: Date | null }>> {
  return sql`SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at`;
}

/**
 * Checks a bearer key against the stored hash. Each check reads the row (one indexed lookup), so a
 * revocation takes effect on the next request; the office's API is not a hot path.
 */
export async function verifyApiKey(sql: Sql, presented: string | undefined): Promise<ApiCaller> {
  const match = presented ? KEY_FORMAT.exec(presented) : null;
  if (!match) throw new ExamhallError('API_KEY_INVALID');
  const [row] = await sql<Array<{ name: string; role: 'admin'; secret_hash: string; revoked_at: Date | null }>>`
    SELECT name, role, secret_hash, revoked_at FROM api_keys WHERE id = ${match[1]!}`;
  const given = sha256(match[2]!);
  const stored = Buffer.from(row?.secret_hash ?? '', 'hex');
  // compare even for an unknown id, so timing does not tell which ids exist
  const equal = timingSafeEqual(given, stored.length === given.length ? stored : Buffer.alloc(given.length));
  if (!row || !equal || row.revoked_at) throw new ExamhallError('API_KEY_INVALID');
  return { keyId: match[1]!, name: row.name, role: row.role };
}
