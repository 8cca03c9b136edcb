import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'socket.io-client';
import { EVENTS } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { tokenFor } from './helpers/node.js';
import { RecordingCandidate } from './helpers/candidates.js';
import { connected, rawConnect, rawJoin } from './helpers/raw-client.js';
import { envFor, exitStatus, freePort, socketsOn, spawnRole, waitReady } from './helpers/processes.js';

/**
 * Graceful drain: three real gateway processes share one port (uWS sets SO_REUSEPORT, so the
 * kernel spreads connections over them) and one worker flushes to Postgres. Sixty candidates
 * answer continuously through the real SDK while one gateway, then a second, gets SIGTERM.
 * The promise under test: the SIGTERMed gateway stops taking connections at once, exits by
 * itself (code 0) within SHUTDOWN_GRACE_MS, its candidates move to a remaining gateway on the
 * same port within seconds and keep answering, and every answer the SDK was told `queued` or
 * `committed` for ends up in Postgres at its highest seq — 0 lost, 0 duplicated.
 */
const ANSWERING = 60;
/** fresh candidates that connect while a gateway drains: 10 per drain */
const PROBES_PER_DRAIN = 10;
/** spare candidates per drain for the one socket that ignores the drain notice (it takes a few tries to land on the right gateway) */
const STUBBORN_TRIES = 20;
const SPARE_PER_DRAIN = PROBES_PER_DRAIN + STUBBORN_TRIES;
const SHUTDOWN_GRACE_MS = 5_000;
/** each candidate saves an answer this often: 60 candidates, ~600 answers/s in all */
const ANSWER_EVERY_MS = 100;
/** how long a moved candidate may take to be joined on another gateway (the drain window is 1 s) */
const MOVE_WITHIN_MS = 5_000;

interface Gateway {
  id: string;
  child: ChildProcess;
}

/** A RecordingCandidate plus what happened to its connection, with timestamps. */
interface Tracked {
  candidate: RecordingCandidate;
  drained: number[];
  disconnects: { at: number; reason: string }[];
  joins: number[];
  queuedAt: number[];
  rejected: string[];
}

let env: TestEnv;
const children: ChildProcess[] = [];
const tracked: Tracked[] = [];
const probes: Socket[] = [];

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: ANSWERING + 2 * SPARE_PER_DRAIN });
});
afterAll(async () => {
  // every child goes, whatever happened above
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exitStatus));
  for (const p of probes) p.disconnect();
  await Promise.all(tracked.map((t) => t.candidate.stop()));
  for (const t of tracked) await t.candidate.client.close();
  await env?.cleanup();
});

function start(role: 'gateway' | 'worker', extra: Record<string, string>): ChildProcess {
  // no web pages: they are not needed here, and another test run may be rebuilding client-sdk/dist/web
  const noWeb = join(tmpdir(), `examhall-no-web-${process.pid}`);
  const child = spawnRole(role, envFor(env.config, { SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS), WEB_DIST: noWeb, ...extra }));
  children.push(child);
  return child;
}

function track(candidate: RecordingCandidate): Tracked {
  const t: Tracked = { candidate, drained: [], disconnects: [], joins: [], queuedAt: [], rejected: [] };
  const { client } = candidate;
  client.on('draining', () => t.drained.push(Date.now()));
  client.on('disconnected', (reason) => t.disconnects.push({ at: Date.now(), reason }));
  client.on('joined', () => t.joins.push(Date.now()));
  client.on('queued', () => t.queuedAt.push(Date.now()));
  client.on('rejected', ({ questionId, seq, error }) => t.rejected.push(`${questionId}@${seq}: ${error.code}`));
  tracked.push(t);
  return t;
}

/** The gateway each attempt last joined on, as the gateways recorded it (presence_events). */
async function gatewayOf(attemptIds: string[]): Promise<Map<string, string>> {
  const rows = await env.sql.unsafe<{ attempt_id: string; gateway_id: string }[]>(
    `SELECT DISTINCT ON (attempt_id) attempt_id, gateway_id FROM presence_events
     WHERE attempt_id = ANY($1::uuid[]) AND kind = 'connect' ORDER BY attempt_id, at DESC, id DESC`,
    [attemptIds],
  );
  return new Map(rows.map((r) => [r.attempt_id, r.gateway_id]));
}

/** Waits until every attempt's latest recorded join is on one of `gateways`, and returns where each is. */
async function waitPlaced(attemptIds: string[], gateways: Set<string>, timeoutMs: number, what: string): Promise<Map<string, string>> {
  return waitFor(async () => {
    const where = await gatewayOf(attemptIds);
    return attemptIds.every((a) => gateways.has(where.get(a) ?? '')) && where;
  }, timeoutMs, what);
}

/** Every acknowledged answer is stored at (at least) its acknowledged seq; no version is stored twice. */
async function verifyNothingLost(candidates: RecordingCandidate[]) {
  const rows = await env.sql.unsafe<{ attempt_id: string; question_id: string; seq: number }[]>(
    'SELECT attempt_id, question_id, seq FROM answers WHERE attempt_id = ANY($1::uuid[])',
    [candidates.map((c) => c.attemptId)],
  );
  const stored = new Map(rows.map((r) => [`${r.attempt_id}/${r.question_id}`, Number(r.seq)]));
  let acked = 0;
  const lost: string[] = [];
  const notLatest: string[] = [];
  for (const c of candidates) {
    for (const [questionId, seq] of c.acked) {
      acked++;
      const have = stored.get(`${c.attemptId}/${questionId}`) ?? 0;
      if (have < seq) lost.push(`${c.attemptId}/${questionId}: acked ${seq}, stored ${have}`);
    }
    // and what the SDK holds once drained is exactly what Postgres holds: its latest seq, committed
    for (const [questionId, known] of c.client.answers()) {
      const have = stored.get(`${c.attemptId}/${questionId}`) ?? 0;
      if (known.state !== 'committed' || have !== known.seq) notLatest.push(`${c.attemptId}/${questionId}: sdk ${known.seq} ${known.state}, stored ${have}`);
    }
  }
  const [dup] = await env.sql.unsafe<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM (SELECT 1 FROM answer_events GROUP BY attempt_id, question_id, seq HAVING count(*) > 1) d',
  );
  return { acked, lost, notLatest, dup: dup!.n };
}

/** Answers each gateway accepted at or after `since` (answer_events.received_at is the gateway's clock). */
async function acceptedSince(since: number): Promise<Map<string, number>> {
  const rows = await env.sql.unsafe<{ gateway_id: string; n: number }[]>(
    'SELECT gateway_id, count(*)::int AS n FROM answer_events WHERE received_at >= to_timestamp($1 / 1000.0) GROUP BY gateway_id',
    [since],
  );
  return new Map(rows.map((r) => [r.gateway_id, r.n]));
}

/**
 * Opens bare sockets (which ignore server:draining, as a frozen tab would) with spare candidates
 * until one lands on `victim`, found by the connection it gained in the kernel's view.
 */
async function stubbornSocketOn(victim: Gateway, alive: Gateway[], port: number, spare: string[]): Promise<Socket> {
  while (spare.length > 0) {
    const before = alive.map((g) => socketsOn(g.child.pid!, port));
    const socket = rawConnect(port, await tokenFor(env.config, spare.shift()!, env.seeded.sittingId));
    probes.push(socket);
    await connected(socket);
    await rawJoin(socket);
    const after = alive.map((g) => socketsOn(g.child.pid!, port));
    const gained = alive.filter((_, i) => [...after[i]!.peers].some((peer) => !before[i]!.peers.has(peer)));
    if (gained.length === 1 && gained[0] === victim) return socket;
    socket.disconnect();
  }
  throw new Error(`no spare candidate left to place a socket on ${victim.id}`);
}

/**
 * SIGTERMs `victim` while everyone answers and checks the drain: listen socket gone at once,
 * fresh connections land elsewhere, exit 0 within the grace, its candidates joined elsewhere
 * within seconds and answering there, nobody else disturbed.
 */
async function drain(victim: Gateway, remaining: Gateway[], port: number, spare: string[]) {
  const everyone = tracked.map((t) => t.candidate.attemptId);
  const before = await gatewayOf(everyone);
  const onVictim = tracked.filter((t) => before.get(t.candidate.attemptId) === victim.id);
  const elsewhere = tracked.filter((t) => before.get(t.candidate.attemptId) !== victim.id);
  expect(onVictim.length).toBeGreaterThan(0);
  // one client on it that does not leave by itself: the gateway waits for it, but not for ever
  const stubborn = await stubbornSocketOn(victim, [victim, ...remaining], port, spare);
  const notice = new Promise((resolve) => stubborn.once(EVENTS.serverDraining, resolve));
  const stubbornGone = new Promise<{ at: number; reason: string }>((resolve) => stubborn.once('disconnect', (reason) => resolve({ at: Date.now(), reason })));
  const held = socketsOn(victim.child.pid!, port);
  expect(held.listening).toBe(true);
  expect(held.established).toBeGreaterThanOrEqual(onVictim.length + 1);
  const probeTokens = await Promise.all(spare.splice(0, PROBES_PER_DRAIN).map((id) => tokenFor(env.config, id, env.seeded.sittingId)));

  const sigtermAt = Date.now();
  const exit = exitStatus(victim.child);
  victim.child.kill('SIGTERM');

  // 1. it stops listening at once (the other gateways still listen on the same port)
  await waitFor(() => !socketsOn(victim.child.pid!, port).listening, 2_000, `${victim.id} to close its listen socket`);
  const stoppedListeningMs = Date.now() - sigtermAt;
  for (const g of remaining) expect(socketsOn(g.child.pid!, port).listening).toBe(true);

  // 2. while it still drains, fresh connections are all taken by the others, at the first try:
  //    one on the draining gateway would be refused (GATEWAY_FULL) or cut, and connected() would reject
  const fresh = probeTokens.map((token) => {
    const socket = rawConnect(port, token);
    probes.push(socket);
    return socket;
  });
  const allConnected = Promise.all(fresh.map(connected));
  await Promise.all(fresh.map((socket) => new Promise((resolve) => socket.io.once('open', () => resolve(undefined)))));
  // the kernel picked a listener for each probe before its transport opened; the SIGTERMed
  // gateway still holding connections after that shows the probes were made during its drain
  const heldDuringProbes = socketsOn(victim.child.pid!, port).established;
  const probesOpenMs = Date.now() - sigtermAt;
  expect(heldDuringProbes, 'the probes must connect while the SIGTERMed gateway is still draining').toBeGreaterThan(0);
  await allConnected;
  const probeAttempts = await Promise.all(fresh.map(async (socket) => (await rawJoin(socket)).attemptId));
  const remainingIds = new Set(remaining.map((g) => g.id));
  await waitPlaced(probeAttempts, remainingIds, 3_000, 'the probes to be recorded on the remaining gateways');
  for (const socket of fresh) socket.disconnect();

  // 3. it waits for the straggler up to the end of the drain window (1 s, plus slack), then cuts it
  //    off, and exits by itself, cleanly, well within the grace period
  const status = await Promise.race([exit, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), SHUTDOWN_GRACE_MS + 3_000))]);
  const exitedAfterMs = Date.now() - sigtermAt;
  expect(status).toEqual({ code: 0, signal: null });
  expect(exitedAfterMs).toBeLessThan(SHUTDOWN_GRACE_MS);
  expect(await notice).toEqual({ reconnectInMs: expect.any(Number) });
  const cut = await stubbornGone;
  const stubbornCutAfterMs = cut.at - sigtermAt;
  expect(stubbornCutAfterMs).toBeGreaterThanOrEqual(1_000);
  const exitAt = Date.now();

  // 4. every candidate that was on it got the notice and is joined on another gateway within seconds
  await waitPlaced(onVictim.map((t) => t.candidate.attemptId), remainingIds, MOVE_WITHIN_MS, `${victim.id}'s candidates to join elsewhere`);
  for (const t of onVictim) expect(t.drained.some((at) => at >= sigtermAt)).toBe(true);
  const rejoinedAfterMs = Math.max(...onVictim.map((t) => (t.joins.find((at) => at >= sigtermAt) ?? Infinity) - sigtermAt));
  expect(rejoinedAfterMs).toBeLessThan(MOVE_WITHIN_MS);
  // the others were not told to move, nor disturbed
  for (const t of elsewhere) {
    expect(t.drained.filter((at) => at >= sigtermAt)).toEqual([]);
    expect(t.disconnects.filter((d) => d.at >= sigtermAt)).toEqual([]);
  }

  // 5. answering continues: every moved candidate gets new `queued` acks after its rejoin
  await waitFor(
    () => onVictim.every((t) => {
      const rejoined = t.joins.find((at) => at >= sigtermAt)!;
      return t.queuedAt.some((at) => at > rejoined);
    }),
    5_000,
    'moved candidates to be acknowledged again',
  );
  const counts = remaining.map((g) => socketsOn(g.child.pid!, port));
  return {
    victim: victim.id,
    onVictim: onVictim.length,
    stoppedListeningMs,
    probesOpenMs,
    heldDuringProbes,
    stubbornCutAfterMs,
    exitedAfterMs,
    rejoinedAfterMs,
    sigtermAt,
    exitAt,
    remainingConnections: counts.map((c) => c.established),
  };
}

describe('graceful drain with three gateways on one port', () => {
  it('SIGTERM: the gateway stops accepting, exits 0 within the grace, its candidates move and lose nothing', async () => {
    const port = await freePort();
    const gateways: Gateway[] = [1, 2, 3].map((n) => {
      const id = `${env.config.REDIS_PREFIX}-gw-${n}`;
      return { id, child: start('gateway', { PORT: String(port), GATEWAY_ID: id }) };
    });
    start('worker', { GATEWAY_ID: `${env.config.REDIS_PREFIX}-worker` });
    // each gateway holds its own listen socket on the one port
    await waitFor(async () => {
      const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
      if (dead) throw new Error(`a child process exited during start-up (code ${dead.exitCode}, signal ${dead.signalCode})`);
      return gateways.map((g) => socketsOn(g.child.pid!, port)).every((s) => s.listening);
    }, 20_000, 'three gateways listening on one port');
    await waitReady(port);

    const ids = env.seeded.candidateIds;
    const candidates = await Promise.all(
      ids.slice(0, ANSWERING).map(async (id) => track(new RecordingCandidate(`http://127.0.0.1:${port}`, await tokenFor(env.config, id, env.seeded.sittingId)))),
    );
    await Promise.all(candidates.map((t) => t.candidate.start(ANSWER_EVERY_MS)));
    await waitFor(() => candidates.every((t) => t.candidate.acked.size > 2), 15_000, 'answers to be acknowledged');
    const everyone = candidates.map((t) => t.candidate.attemptId);
    const placed = await waitPlaced(everyone, new Set(gateways.map((g) => g.id)), 5_000, 'every candidate recorded on a gateway');
    const perGateway = gateways.map((g) => [...placed.values()].filter((id) => id === g.id).length);
    // the kernel spread them over all three
    expect(perGateway.every((n) => n > 0)).toBe(true);

    // drain the busiest gateway, then the busier of the two left
    const busiest = (list: Gateway[], where: Map<string, string>) =>
      list.reduce((a, b) => ([...where.values()].filter((id) => id === b.id).length > [...where.values()].filter((id) => id === a.id).length ? b : a));
    const first = busiest(gateways, placed);
    const afterFirst = gateways.filter((g) => g !== first);
    const round1 = await drain(first, afterFirst, port, ids.slice(ANSWERING, ANSWERING + SPARE_PER_DRAIN));
    await new Promise((r) => setTimeout(r, 500));
    const second = busiest(afterFirst, await gatewayOf(everyone));
    const last = afterFirst.filter((g) => g !== second);
    const round2 = await drain(second, last, port, ids.slice(ANSWERING + SPARE_PER_DRAIN));
    // all sixty are on the last gateway now (the probes and the stragglers are gone)
    expect(round2.remainingConnections).toEqual([ANSWERING]);
    await new Promise((r) => setTimeout(r, 500));

    for (const t of candidates) await t.candidate.stop();
    await Promise.all(candidates.map((t) => t.candidate.client.waitUntilDrained(20_000)));
    const result = await verifyNothingLost(candidates.map((t) => t.candidate));
    expect(result.acked).toBeGreaterThan(ANSWERING * 5);
    expect(result.lost).toEqual([]);
    expect(result.notLatest).toEqual([]);
    expect(result.dup).toBe(0);
    expect(candidates.flatMap((t) => t.rejected)).toEqual([]);
    // during their drain windows the SIGTERMed gateways still took answers from candidates that had
    // not left yet, and those were flushed before the exit (nothing above is lost)
    const duringDrain = await Promise.all([round1, round2].map(async (r) => (await acceptedSince(r.sigtermAt)).get(r.victim) ?? 0));
    expect(duringDrain.every((n) => n > 0)).toBe(true);
    // and nothing after their exit; the last gateway took everything over
    for (const r of [round1, round2]) expect((await acceptedSince(r.exitAt)).get(r.victim)).toBeUndefined();
    expect((await acceptedSince(round2.exitAt)).get(last[0]!.id)).toBeGreaterThan(0);
    if (process.env.DRAIN_TEST_REPORT) console.log(JSON.stringify({ perGateway, round1, round2, duringDrain, acked: result.acked }));
  }, 60_000);
});
