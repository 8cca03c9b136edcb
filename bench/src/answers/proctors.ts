import { ProctorClient } from '@examhall/client-sdk';
import type { Sql } from '../../../server/src/store/db.js';
import type { TokenService } from '../../../server/src/auth/tokens.js';

/**
 * Proctors watching while candidates answer, through the real ProctorClient: one administrator
 * (the whole sitting) and the rest center proctors, one per center in turn. Each 'saved' feed line
 * gives a commit → proctor-screen latency sample (server clock at arrival minus commit time).
 */
export async function startProctors(opts: { url: string; count: number; sittingId: string; sql: Sql; tokens: TokenService }) {
  return watchAsProctors(opts.url, await proctorTokens(opts));
}

/** Tokens of one administrator (the whole sitting) and count-1 center proctors, one per center in turn. */
export async function proctorTokens(opts: { count: number; sittingId: string; sql: Sql; tokens: TokenService }): Promise<string[]> {
  const centers = (await opts.sql.unsafe<{ center_id: string }[]>(
    'SELECT DISTINCT c.center_id FROM sitting_candidates sc JOIN candidates c ON c.id = sc.candidate_id WHERE sc.sitting_id = $1 ORDER BY 1',
    [opts.sittingId],
  )).map((r) => r.center_id);
  const tokens: string[] = [];
  for (let i = 0; i < opts.count; i++) {
    const admin = i === 0 || centers.length === 0;
    const scope = { sittingId: opts.sittingId, role: admin ? ('admin' as const) : ('proctor' as const), districts: [], centers: admin ? [] : [centers[(i - 1) % centers.length]!] };
    tokens.push(await opts.tokens.issueProctorToken({ proctorId: `bench-proctor-${i}`, scope }));
  }
  return tokens;
}

/** Proctor clients that connected and took their snapshot, one per token. */
export async function watchAsProctors(url: string, tokens: string[]) {
  const clients: ProctorClient[] = [];
  for (const token of tokens) {
    const client = new ProctorClient({ url, token, maxLatencySamples: 2_000_000 });
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
