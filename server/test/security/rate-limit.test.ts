import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS, type Ack, type ProtocolError } from '@examhall/shared';
import { loadConfig } from '../../src/config/config.js';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { envFor, exited, freePort, spawnRole, waitReady } from '../helpers/processes.js';
import { rawEmit } from '../helpers/raw-client.js';
import { Opened, auditRow, auditRows, disconnection, joinedCandidate, percentile } from './helpers.js';

/**
 * The per-socket frame limit, with its defaults, against a real gateway process: one socket
 * flooding is first answered RATE_LIMITED, then cut, alone; honest candidates on the same gateway
 * keep saving, and their acks stay fast.
 */
const DEFAULTS = loadConfig({});
let env: TestEnv;
let port: number;
let child: ReturnType<typeof spawnRole>;
const opened = new Opened();

beforeAll(async () => {
  env = await createTestEnv();
  port = await freePort();
  // the defaults of the frame limit, not the test env's: those are what candidates meet
  child = spawnRole('all', envFor(env.config, { PORT: String(port), GATEWAY_ID: `${env.config.GATEWAY_ID}-flood` }));
  opened.onClose(async () => {
    child.kill('SIGTERM');
    await exited(child);
  });
  await waitReady(port);
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const candidate = (n: number) => joinedCandidate(opened, port, env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId);
type Joined = Awaited<ReturnType<typeof candidate>>;

/** An honest candidate saving one numeric question about 20 times a second, timing each ack. */
function honestSaver(c: Joined) {
  const question = c.reply.paper!.questions.find((q) => q.type === 'numeric')!;
  const samples: { at: number; ms: number }[] = [];
  const refusals: ProtocolError[] = [];
  let seq = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const ack = await rawEmit(c.socket, EVENTS.answerSave, { attemptId: c.attemptId, questionId: question.id, seq: ++seq, value: { kind: 'numeric', value: seq } });
      samples.push({ at: Date.now(), ms: performance.now() - started });
      if (!ack.ok) refusals.push(ack.error);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { samples, refusals, stop: async () => ((running = false), await loop) };
}

describe('per-socket frame rate limit', () => {
  it('a flood from one socket gets RATE_LIMITED, then that socket alone is cut; honest acks stay fast', async () => {
    const honest = await Promise.all([1, 2, 3].map((n) => candidate(n)));
    const attacker = await candidate(4);
    const savers = honest.map(honestSaver);
    await new Promise((r) => setTimeout(r, 2000));
    const floodStarted = Date.now();

    const serverErrors: ProtocolError[] = [];
    attacker.socket.on(EVENTS.serverError, (e: ProtocolError) => serverErrors.push(e));
    const cut = disconnection(attacker.socket);
    const codes = new Map<string, number>();
    const count = (ack: Ack<unknown>) => codes.set(ack.ok ? 'ok' : ack.error.code, (codes.get(ack.ok ? 'ok' : ack.error.code) ?? 0) + 1);
    let sent = 0;
    const question = attacker.reply.paper!.questions.find((q) => q.type === 'numeric')!;
    // as fast as the socket goes, in chunks so that this process's honest clients get a turn
    while (attacker.socket.connected && sent < 50_000) {
      for (let i = 0; i < 50; i++) {
        sent++;
        if (sent % 2) attacker.socket.emit(EVENTS.answerSave, { attemptId: attacker.attemptId, questionId: question.id, seq: sent, value: { kind: 'numeric', value: sent } }, count);
        else attacker.socket.emit(EVENTS.timeSync, { clientSentAt: sent }); // no ack: refusals come as server:error
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await cut).toBe('io server disconnect');
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 1500)); // the honest clients go on after the cut
    await Promise.all(savers.map((s) => s.stop()));

    // first retryable refusals, then the coded reason for the cut, then the disconnect
    expect(codes.get('RATE_LIMITED') ?? 0).toBeGreaterThan(0);
    expect(serverErrors.some((e) => e.code === 'RATE_LIMITED' && e.retryable && /over/.test(e.detail ?? ''))).toBe(true);
    expect(serverErrors.at(-1)).toMatchObject({ code: 'RATE_LIMITED', retryable: true, detail: expect.stringMatching(/disconnected/) });
    expect(sent).toBeGreaterThanOrEqual(DEFAULTS.SOCKET_BURST + DEFAULTS.SOCKET_FLOOD_CUT);

    // nobody else was cut or limited, and their acks stayed within a generous bound of before
    for (const c of honest) expect(c.socket.connected).toBe(true);
    for (const s of savers) expect(s.refusals).toEqual([]);
    const all = savers.flatMap((s) => s.samples);
    const before = all.filter((x) => x.at < floodStarted).map((x) => x.ms);
    const during = all.filter((x) => x.at >= floodStarted && x.at <= cutAt + 1000).map((x) => x.ms);
    expect(before.length).toBeGreaterThan(30);
    expect(during.length).toBeGreaterThan(10);
    const p99Before = percentile(before, 99);
    const p99During = percentile(during, 99);
    // The floor is 500 ms, not 250: with CI's test files in parallel on 2 cores, the ~400 frames the
    // gateway handles before the cut took up to 282 ms of wall time (once in 8 runs). Without the cut
    // the flood goes on (up to 50,000 frames here) and would hold acks back for seconds.
    expect(p99During, `p99 before ${p99Before.toFixed(1)} ms, during ${p99During.toFixed(1)} ms`).toBeLessThanOrEqual(Math.max(5 * p99Before, 500));

    // one audit row for the cut, naming the candidate, however many frames were refused
    const row = await auditRow(env, 'security.rate_limited', `candidate:${env.seeded.candidateIds[4]}`);
    expect(row).toMatchObject({ sitting_id: env.seeded.sittingId, attempt_id: attacker.attemptId, details: { namespace: '/candidate', address: '127.0.0.1' } });
    expect(row.details.refused as number).toBeGreaterThanOrEqual(DEFAULTS.SOCKET_FLOOD_CUT);
    expect(await auditRows(env.sql, 'security.rate_limited')).toHaveLength(1);

    // the cut is of the socket, not a ban: the candidate reconnects and saves
    const back = await candidate(4);
    expect(back.attemptId).toBe(attacker.attemptId);
    const ack = await rawEmit(back.socket, EVENTS.answerSave, { attemptId: back.attemptId, questionId: question.id, seq: 1_000_000, value: { kind: 'numeric', value: 1 } });
    expect(ack).toMatchObject({ ok: true });
  });

  it('an honest burst (a 200-answer outbox resent at once, counting the join) is never limited', async () => {
    const c = await candidate(5);
    const questions = c.reply.paper!.questions;
    const acks = await Promise.all(
      Array.from({ length: DEFAULTS.SOCKET_BURST - 1 }, (_, i) => {
        const q = questions.find((x) => x.type === 'numeric')!;
        return rawEmit(c.socket, EVENTS.answerSave, { attemptId: c.attemptId, questionId: q.id, seq: i + 1, value: { kind: 'numeric', value: i } });
      }),
    );
    expect(acks.filter((a) => !a.ok)).toEqual([]);
    // past the burst frames are limited, retryable, and the socket stays
    const over = await Promise.all(Array.from({ length: 100 }, (_, i) => rawEmit(c.socket, EVENTS.timeSync, { clientSentAt: i })));
    expect(over.some((a) => !a.ok && a.error.code === 'RATE_LIMITED' && a.error.retryable)).toBe(true);
    // the refused frames overdrew the bucket: after the client stops for a while, it passes again
    let passed = false;
    for (const deadline = Date.now() + 20_000; !passed && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 1000));
      passed = (await rawEmit(c.socket, EVENTS.timeSync, { clientSentAt: 1 })).ok;
    }
    expect(passed).toBe(true);
    expect(c.socket.connected).toBe(true);
  });
});
