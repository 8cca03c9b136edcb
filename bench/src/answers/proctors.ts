import { ProctorClient } from '@examhall/client-sdk';
import type { Sql } from '../../../server/src/store/db.js';
import type { TokenService } from '../../../server/src/auth/tokens.js';

/**
 * Proctors watching while candidates answer, through the real ProctorClient: one administrator
 * (the whole sitting) and the rest center proctors, one per center in turn. Each 'saved' feed line
 * gives a commit → proctor-screen latency sample (server clock at arrival minus commit time).
 */
export async function startProctors(opts: { url: string; count: number; sittingId: string; sql: Sql; tokens: TokenService }) {
  const centers = (await opts.sql.unsafe<{ center_id: string }[]>(
    'SELECT DISTINCT c.center_id FROM sitting_candidates sc JOIN candidates c ON c.id = sc.candidate_id WHERE sc.sitting_id = $1 ORDER BY 1',
    [opts.sittingId],
  )).map((r) => r.center_id);
  const clients: ProctorClient[] = [];
  for (let i = 0; i < opts.count; i++) {
    const admin = i === 0 || centers.length === 0;
    const scope = { sittingId: opts.sittingId, role: admin ? ('admin' as const) : ('proctor' as const), districts: [], centers: admin ? [] : [centers[(i - 1) % centers.length]!] };
    const token = await opts.tokens.issueProctorToken({ proctorId: `bench-proctor-${i}`, scope });
    const client = new ProctorClient({ url: opts.url, token, maxLatencySamples: 2_000_000 });
    await client.connect();
    await client.watch();
    clients.push(client);
  }
  return {
    /** drops the samples so far (call when the measured window starts) */
    reset: () => clients.forEach((c) => c.takeLatencySamples()),
    samples: () => clients.flatMap((c) => c.takeLatencySamples()),
    /** roster rows the proctors hold, summed (a sanity figure: each sees its scope) */
    rows: () => clients.reduce((n, c) => n + c.roster.size, 0),
    close: () => clients.forEach((c) => c.close()),
  };
}
