import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { EVENTS, TOKEN_AUDIENCE, TOKEN_ISSUER, type AnswerQueued, type ProtocolError } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { connectRefusal, connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { DEMO_EXAM } from '../src/exam/demo-exam.js';

let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
const sockets: Socket[] = [];
const open = (token: unknown, extra?: Record<string, unknown>) => {
  const s = rawConnect(node.port, token, extra);
  sockets.push(s);
  return s;
};
const candidate = (n: number) => env.seeded.candidateIds[n]!;
const token = (n: number) => tokenFor(env.config, candidate(n), env.seeded.sittingId);

beforeAll(async () => {
  env = await createTestEnv();
  node = await startTestNode(env.config);
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await node?.close();
  await env?.cleanup();
});

describe('join', () => {
  it('returns the candidate\'s own shuffled paper with no answer key, stable across reconnects', async () => {
    const tok = await token(0);
    const first = open(tok);
    await connected(first);
    const reply = await rawJoin(first);
    expect(reply.paper!.questions).toHaveLength(DEMO_EXAM.questions.length);
    expect(reply.status).toBe('in_progress');
    expect(Math.abs(reply.serverTime - Date.now())).toBeLessThan(2000);
    expect(reply.deadline!).toBeGreaterThan(reply.startedAt!);

    const json = JSON.stringify(reply);
    expect(json).not.toMatch(/"(key|accepted|correct|optionId|tolerance)"/);
    for (const q of DEMO_EXAM.questions) {
      if (q.key.type === 'text') for (const accepted of q.key.accepted) expect(json.toLowerCase()).not.toContain(`"${accepted.toLowerCase()}"`);
    }

    first.disconnect();
    const again = open(tok);
    await connected(again);
    const rejoin = await rawJoin(again);
    expect(rejoin.attemptId).toBe(reply.attemptId);
    expect(rejoin.paper).toEqual(reply.paper);

    const other = open(await token(1));
    await connected(other);
    const otherReply = await rawJoin(other);
    expect(otherReply.attemptId).not.toBe(reply.attemptId);
    expect(otherReply.paper!.questions.map((q) => q.id)).not.toEqual(reply.paper!.questions.map((q) => q.id));
  });

  it('returns stored answers at their highest seq after a rejoin', async () => {
    const tok = await token(2);
    const s = open(tok);
    await connected(s);
    const { attemptId } = await rawJoin(s);
    for (const seq of [1, 3, 2]) {
      const ack = await rawEmit<AnswerQueued>(s, EVENTS.answerSave, { attemptId, questionId: 'q04', seq, value: { kind: 'numeric', value: seq } });
      expect(ack).toMatchObject({ ok: true, data: { status: 'queued', seq } });
    }
    await waitFor(async () => (await rawJoin(s)).answers.find((a) => a.questionId === 'q04' && a.seq === 3), 10_000, 'commit');
    const s2 = open(tok);
    await connected(s2);
    expect((await rawJoin(s2)).answers).toEqual([{ questionId: 'q04', seq: 3, value: { kind: 'numeric', value: 3 } }]);
  });
});

describe('bad frames get coded errors and the socket stays usable', () => {
  it('codes every kind of bad answer frame', async () => {
    const s = open(await token(3));
    await connected(s);
    const early = await rawEmit(s, EVENTS.answerSave, { attemptId: '7d4f3b5e-2a51-4c1e-9d0c-3b2f1a0e9c11', questionId: 'q01', seq: 1, value: null });
    expect(early).toMatchObject({ ok: false, error: { code: 'NOT_JOINED', retryable: true } });

    const { attemptId } = await rawJoin(s);
    const { attemptId: foreign } = await (async () => {
      const o = open(await token(4));
      await connected(o);
      return rawJoin(o);
    })();
    const cases: [unknown, ProtocolError['code']][] = [
      ['garbage', 'BAD_REQUEST'],
      [{ attemptId, questionId: 'q01', seq: -1, value: null }, 'BAD_REQUEST'],
      [{ attemptId: foreign, questionId: 'q01', seq: 1, value: null }, 'ATTEMPT_FORBIDDEN'],
      [{ attemptId, questionId: 'nope', seq: 1, value: null }, 'QUESTION_UNKNOWN'],
      [{ attemptId, questionId: 'q01', seq: 1, value: { kind: 'choice', optionIds: ['q02-a'] } }, 'OPTION_UNKNOWN'],
      [{ attemptId, questionId: 'q04', seq: 1, value: { kind: 'text', text: '24' } }, 'ANSWER_TYPE_MISMATCH'],
    ];
    for (const [payload, code] of cases) {
      const ack = await rawEmit(s, EVENTS.answerSave, payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code, retryable: false } });
    }
    expect(await rawEmit(s, 'exam:steal-key', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    expect(await rawEmit(s, EVENTS.join, { protocolVersion: 99 })).toMatchObject({ ok: false, error: { code: 'PROTOCOL_VERSION_UNSUPPORTED' } });

    const serverError = new Promise<ProtocolError>((resolve) => s.once(EVENTS.serverError, resolve));
    s.emit(EVENTS.answerSave, { attemptId, questionId: 'q01', seq: 1, value: null }); // no ack callback
    expect((await serverError).code).toBe('BAD_REQUEST');

    const ok = await rawEmit(s, EVENTS.answerSave, { attemptId, questionId: 'q01', seq: 5, value: { kind: 'choice', optionIds: ['q01-b'] } });
    expect(ok).toMatchObject({ ok: true, data: { status: 'queued' } });
    expect(s.connected).toBe(true);
  });

  it('drops a connection whose frame exceeds the size limit, and nothing else', async () => {
    const s = open(await token(5));
    await connected(s);
    const { attemptId } = await rawJoin(s);
    const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
    s.emit(EVENTS.answerSave, { attemptId, questionId: 'q05', seq: 1, value: { kind: 'text', text: 'x'.repeat(20_000) } }, () => {});
    expect(await closed).toMatch(/transport/);
    const other = open(await token(5));
    await connected(other);
    expect((await rawJoin(other)).attemptId).toBe(attemptId);
  });
});

describe('authentication at the handshake', () => {
  const key = () => new TextEncoder().encode(env.config.TOKEN_SECRET);
  const sign = (claims: Record<string, unknown>, opts: { aud?: string; exp?: number; secret?: Uint8Array } = {}) =>
    new SignJWT({ sit: env.seeded.sittingId, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(candidate(6))
      .setIssuer(TOKEN_ISSUER)
      .setAudience(opts.aud ?? TOKEN_AUDIENCE.candidate)
      .setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 60)
      .sign(opts.secret ?? key());

  it.each<[string, () => Promise<string | undefined>, ProtocolError['code']]>([
    ['no token', async () => undefined, 'AUTH_REQUIRED'],
    ['garbage', async () => 'not.a.jwt', 'AUTH_INVALID'],
    ['expired', async () => sign({}, { exp: Math.floor(Date.now() / 1000) - 10 }), 'AUTH_EXPIRED'],
    ['wrong audience', async () => sign({}, { aud: TOKEN_AUDIENCE.proctor }), 'AUTH_INVALID'],
    ['wrong key', async () => sign({}, { secret: new TextEncoder().encode('another-secret-another-secret-0123456789') }), 'AUTH_INVALID'],
    ['alg none', async () => {
      const body = Buffer.from(JSON.stringify({ sub: candidate(6), sit: env.seeded.sittingId, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE.candidate, exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
      return `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${body}.`;
    }, 'AUTH_INVALID'],
  ])('refuses %s with a coded connect error', async (_name, makeToken, code) => {
    const refusal = await connectRefusal(open(await makeToken()));
    expect(refusal.data).toMatchObject({ code, retryable: false });
  });

  it('refuses a join to a sitting the candidate is not enrolled in, or that does not exist', async () => {
    const stranger = open(await tokenFor(env.config, 'nobody', env.seeded.sittingId));
    await connected(stranger);
    expect(await rawEmit(stranger, EVENTS.join, { protocolVersion: 1 })).toMatchObject({ ok: false, error: { code: 'CANDIDATE_NOT_ENROLLED' } });
    const lost = open(await tokenFor(env.config, candidate(6), 'no-such-sitting'));
    await connected(lost);
    expect(await rawEmit(lost, EVENTS.join, { protocolVersion: 1 })).toMatchObject({ ok: false, error: { code: 'SITTING_NOT_FOUND' } });
  });

  it('refuses a browser origin outside the allowlist before the upgrade', async () => {
    const res = await fetch(`http://127.0.0.1:${node.port}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('ORIGIN_NOT_ALLOWED');
    const allowed = await fetch(`http://127.0.0.1:${node.port}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: env.config.ALLOWED_ORIGINS[0]! } });
    expect(allowed.status).toBe(200);
    await expect(connected(open(await token(7), { extraHeaders: { Origin: 'http://evil.example' } }))).rejects.toThrow();
  });
});

describe('health', () => {
  it('answers /healthz and /readyz with the state of Redis and Postgres', async () => {
    const health = await fetch(`http://127.0.0.1:${node.port}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${node.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ redis: true, postgres: true });
  });
});
