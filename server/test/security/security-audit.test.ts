import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { SecurityAudit } from '../../src/gateway/security-audit.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { auditRows } from './helpers.js';

/** The audit of security refusals stays cheap: a flood of refusals is a row, not a write each. */
let env: TestEnv;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env?.cleanup();
});

describe('security audit rows', () => {
  it('writes one row per actor and kind per window, counting the skipped refusals into the next', async () => {
    const audit = new SecurityAudit({ sql: env.sql, logger, windowMs: 300 });
    const source = { actor: 'candidate:cand-000001', sittingId: env.seeded.sittingId };
    for (let i = 0; i < 50; i++) audit.record('attempt_forbidden', source, { event: 'answer:save' });
    audit.record('attempt_forbidden', { actor: 'candidate:cand-000002' });
    audit.record('scope_forbidden', source);
    await audit.flush();
    expect(await auditRows(env.sql, 'security.attempt_forbidden', source.actor)).toHaveLength(1);
    expect(await auditRows(env.sql, 'security.attempt_forbidden', 'candidate:cand-000002')).toHaveLength(1);
    expect(await auditRows(env.sql, 'security.scope_forbidden', source.actor)).toHaveLength(1);

    const next = await waitFor(async () => {
      audit.record('attempt_forbidden', source, { event: 'answer:save' });
      await audit.flush();
      const rows = await auditRows(env.sql, 'security.attempt_forbidden', source.actor);
      return rows.length === 2 ? rows[1] : undefined;
    }, 5_000, 'the next window');
    expect(next.details.skippedSinceLastRow).toBeGreaterThanOrEqual(49);
    expect(next).toMatchObject({ sitting_id: env.seeded.sittingId, details: { event: 'answer:save' } });
  });

  it('writes at most rowsPerS rows a second across all actors', async () => {
    const audit = new SecurityAudit({ sql: env.sql, logger, rowsPerS: 3 });
    for (let i = 0; i < 40; i++) audit.record('too_many_connections', { actor: `address:10.0.0.${i}` });
    await audit.flush();
    const [rows] = await env.sql.unsafe("SELECT count(*)::int AS n FROM audit_log WHERE action = 'security.too_many_connections'");
    expect(rows!.n).toBeLessThanOrEqual(4);
    expect(rows!.n).toBeGreaterThanOrEqual(3);
  });

  it('a flood beyond the budget does not silence the audit afterwards (refusals cost no budget)', async () => {
    const audit = new SecurityAudit({ sql: env.sql, logger, rowsPerS: 3 });
    for (let i = 0; i < 5000; i++) audit.record('origin_not_allowed', { actor: `address:10.1.${i >> 8}.${i & 255}` });
    await new Promise((r) => setTimeout(r, 1100)); // one second of budget back
    audit.record('origin_not_allowed', { actor: 'address:192.0.2.77' });
    await audit.flush();
    const rows = await env.sql.unsafe("SELECT 1 FROM audit_log WHERE action = 'security.origin_not_allowed' AND actor = 'address:192.0.2.77'");
    expect(rows).toHaveLength(1);
  });
});
