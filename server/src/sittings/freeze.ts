import { ExamhallError } from '@examhall/shared';
import type { Sql } from '../store/db.js';
import type { FreezeOverride } from './sitting-schemas.js';

/** SQLSTATE raised by the sittings trigger of migration 006 when a frozen change has no override. */
export const CHANGE_FROZEN_SQLSTATE = 'EHF01';

/** Who writes to sittings, and (for a frozen change) why: both reach the trigger and the audit row. */
export interface SittingWriter {
  actor: string;
  override?: FreezeOverride;
}

/**
 * Runs `work` in a transaction that tells the sittings triggers (migration 006) the actor and, when
 * given, the override reason. Settings are transaction-local, so they never leak to another use of a
 * pooled connection. The trigger's refusal leaves as CHANGE_FROZEN, naming the frozen fields.
 */
export async function asSittingWriter<T>(sql: Sql, writer: SittingWriter, work: (tx: Sql) => Promise<T>): Promise<T> {
  try {
    return (await sql.begin(async (txSql) => {
      const tx = txSql as unknown as Sql;
      await tx`SELECT set_config('examhall.actor', ${writer.actor}, true), set_config('examhall.freeze_override', ${writer.override?.reason ?? ''}, true)`;
      return work(tx);
    })) as T;
  } catch (err) {
    throw asFrozenError(err) ?? err;
  }
}

/** The trigger's refusal as a coded error (undefined for any other error). */
export function asFrozenError(err: unknown): ExamhallError | undefined {
  const e = err as { code?: string; message?: string };
  if (e?.code !== CHANGE_FROZEN_SQLSTATE) return undefined;
  return new ExamhallError('CHANGE_FROZEN', `${e.message ?? 'frozen'}; give override: { reason } (API) or --override "reason" (CLI)`);
}
