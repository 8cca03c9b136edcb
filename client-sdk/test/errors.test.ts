import { describe, expect, it } from 'vitest';
import { EVENTS, protocolError, type AnswerValue } from '@examhall/shared';
import { MemoryOutboxStorage } from '../src/index.js';
import { eventually, harness, record } from './harness.js';
import { failure, sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();

describe('errors from the server', () => {
  it('retries a retryable refusal with growing, jittered backoff until it is queued', async () => {
    const peer = await h.peer({ onSave: (_request, count) => (count <= 2 ? failure('OVERLOADED') : 'queue') });
    const client = await h.joined(peer);
    const retrying = record(client, 'retrying');
    const queued = record(client, 'queued');

    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(queued).toHaveLength(1));

    expect(peer.savesFor('q1').map((save) => save.seq)).toEqual([1, 1, 1]);
    expect(retrying.map(({ error, seq }) => [error.code, seq])).toEqual([
      ['OVERLOADED', 1],
      ['OVERLOADED', 1],
    ]);
    expect(retrying[0]!.inMs).toBeGreaterThanOrEqual(0);
    expect(retrying[0]!.inMs).toBeLessThan(200);
    expect(retrying[1]!.inMs).toBeLessThan(400);
    expect(queued[0]).toMatchObject({ questionId: 'q1', seq: 1 });
  });

  it('RATE_LIMITED holds every answer for a while, not just the refused one', async () => {
    const sentAt: number[] = [];
    const peer = await h.peer({
      onSave: (_request, count) => {
        sentAt.push(Date.now());
        return count === 1 ? failure('RATE_LIMITED') : 'queue';
      },
    });
    const client = await h.joined(peer, { maxInFlight: 4 });
    const queued = record(client, 'queued');
    for (let i = 1; i <= 8; i++) await client.saveAnswer(`q${i}`, text(`a${i}`));
    await eventually(() => expect(queued).toHaveLength(8));
    // frames 2-4 were in flight with the first; the fifth waited for a slot, and the refusal's hold
    expect(sentAt[4]! - sentAt[0]!).toBeGreaterThanOrEqual(45);
    // then one at a time, spaced below the server's default rate
    for (let i = 5; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(50);
  });

  it('answers:resend sends an answer waiting in backoff now, not after the backoff', async () => {
    let refusing = true;
    const peer = await h.peer({ onSave: () => (refusing ? failure('QUEUE_UNAVAILABLE') : 'queue') });
    const client = await h.joined(peer);
    let dueAt = 0; // when the latest backoff would send the answer again
    client.on('retrying', ({ inMs }) => (dueAt = Date.now() + inMs));
    const queued = record(client, 'queued');
    await client.saveAnswer('q1', text('a'));
    // refused until one backoff is long (full jitter: up to 200 ms × 2^attempt, at most 10 s)
    await eventually(() => expect(dueAt - Date.now()).toBeGreaterThan(2500), 25_000);
    refusing = false;
    peer.broadcast(EVENTS.answersResend, undefined);
    await eventually(() => expect(queued).toHaveLength(1), 2000); // within the 1 s spread, not the backoff
    expect(Date.now()).toBeLessThan(dueAt);
  }, 30_000);

  it('counts a missing ack as a retryable failure', async () => {
    const peer = await h.peer({ onSave: (_request, count) => (count === 1 ? 'noack' : 'queue') });
    const client = await h.joined(peer, { ackTimeoutMs: 200 });
    const retrying = record(client, 'retrying');
    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(retrying.length).toBeGreaterThanOrEqual(1);
    expect(retrying[0]).toMatchObject({ questionId: 'q1', seq: 1, error: { code: 'ACK_TIMEOUT', retryable: true } });
    expect(retrying[0]!.error.detail).toMatch(/not acknowledged \(operation has timed out/);
    expect(new Set(peer.savesFor('q1').map((save) => save.seq))).toEqual(new Set([1]));
    expect(peer.savesFor('q1').length).toBeGreaterThanOrEqual(2);
  });

  it('drops an answer the server refuses for good and reports it', async () => {
    const storage = new MemoryOutboxStorage();
    const peer = await h.peer({ onSave: () => failure('ANSWER_TYPE_MISMATCH', 'q1 is a text question') });
    const client = await h.joined(peer, { storage });
    const rejected = record(client, 'rejected');

    await client.saveAnswer('q1', { kind: 'numeric', value: 3 });
    await eventually(() => expect(rejected).toHaveLength(1));
    expect(rejected[0]).toMatchObject({ questionId: 'q1', seq: 1, error: { code: 'ANSWER_TYPE_MISMATCH', retryable: false } });
    expect(client.pendingCount()).toBe(0);
    await client.waitUntilDrained(1_000);
    expect(JSON.parse((await storage.load(client.storageKey))!).entries).toEqual([]);
    await sleep(250);
    expect(peer.saves).toHaveLength(1);
  });

  it('sends only the newer answer when one superseded an answer in backoff', async () => {
    const peer = await h.peer({ onSave: (request) => (request.seq === 1 ? failure('QUEUE_UNAVAILABLE') : 'queue') });
    const client = await h.joined(peer);
    const retrying = record(client, 'retrying');
    const queued = record(client, 'queued');

    await client.saveAnswer('q1', text('old'));
    await eventually(() => expect(retrying.length).toBeGreaterThan(0));
    await client.saveAnswer('q1', text('new'));
    await eventually(() => expect(queued).toHaveLength(1));
    const oldFrames = peer.savesFor('q1').filter((save) => save.seq === 1).length;

    await sleep(500);
    expect(peer.savesFor('q1').filter((save) => save.seq === 1)).toHaveLength(oldFrames);
    expect(peer.queued.get('q1')).toMatchObject({ seq: 2, value: text('new') });
  });

  it('rejoins on NOT_JOINED and resends', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const retrying = record(client, 'retrying');
    const joined = record(client, 'joined');
    peer.forgetJoins();

    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(peer.joins).toBe(2);
    expect(joined).toHaveLength(1);
    expect(retrying.map(({ error }) => error.code)).toEqual(['NOT_JOINED']);
    expect(peer.savesFor('q1').map((save) => save.seq)).toEqual([1, 1]);
  });

  it('rejects connect() when the handshake is refused for good, without retrying', async () => {
    const peer = await h.peer({ refuse: () => protocolError('AUTH_INVALID', 'bad signature') });
    const client = h.client(peer);
    await expect(client.connect()).rejects.toMatchObject({ name: 'ExamhallError', code: 'AUTH_INVALID' });
    await sleep(200);
    expect(peer.handshakes).toBe(1);
    expect(client.connected).toBe(false);
  });

  it('retries a retryable handshake refusal (GATEWAY_FULL) until it connects', async () => {
    const peer = await h.peer({ refuse: (attempt) => (attempt < 2 ? protocolError('GATEWAY_FULL') : undefined) });
    const client = h.client(peer);
    await client.connect();
    expect(peer.handshakes).toBe(3);
    expect(client.connected).toBe(true);
  });

  it('rejects join() with the server error', async () => {
    const peer = await h.peer({ onJoin: () => failure('SITTING_CLOSED') });
    const client = h.client(peer);
    await client.connect();
    await expect(client.join()).rejects.toMatchObject({ name: 'ExamhallError', code: 'SITTING_CLOSED' });
  });

  it('survives malformed server frames and reports them as errors', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const errors = record(client, 'error');

    peer.broadcast(EVENTS.answerCommitted, { attemptId: 'nope', items: 'all of them' });
    peer.broadcast(EVENTS.serverError, protocolError('ATTEMPT_FORBIDDEN'));
    await eventually(() => expect(errors).toHaveLength(2));
    expect(errors[0]!.code).toBe('MALFORMED_SERVER_FRAME');
    expect(errors[0]!.detail).toMatch(/answer:committed/);
    expect(errors[1]).toEqual(protocolError('ATTEMPT_FORBIDDEN'));

    await client.saveAnswer('q1', text('still works'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
  });

  it('rejects join() with a retryable refusal (STORE_UNAVAILABLE) and joins by itself once the server takes it', async () => {
    let joins = 0;
    const peer = await h.peer({ onJoin: (reply) => (++joins <= 2 ? failure('STORE_UNAVAILABLE') : { ok: true, data: reply }) });
    const client = h.client(peer);
    const joined = record(client, 'joined');
    await client.connect();
    await expect(client.join()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', error: { retryable: true } });
    await eventually(() => expect(joined).toHaveLength(1), 10_000);
    expect(joins).toBe(3);
  });

  it('does not retry join() in the background after a final refusal', async () => {
    let joins = 0;
    const peer = await h.peer({ onJoin: () => (joins++, failure('SITTING_CLOSED')) });
    const client = h.client(peer);
    const errors = record(client, 'error');
    await client.connect();
    await expect(client.join()).rejects.toMatchObject({ code: 'SITTING_CLOSED' });
    await sleep(300);
    expect(joins).toBe(1);
    expect(errors).toEqual([]); // the promise carried the refusal
  });

  it('rejects join() on a malformed reply and emits an error', async () => {
    const peer = await h.peer({ onJoin: (reply) => ({ ok: true, data: { ...reply, attemptId: 42 } }) });
    const client = h.client(peer);
    const errors = record(client, 'error');
    await client.connect();
    await expect(client.join()).rejects.toMatchObject({ code: 'MALFORMED_SERVER_FRAME' });
    expect(errors[0]?.detail).toMatch(/exam:join reply: data\.attemptId/);
  });

  it('refuses invalid input locally, before it reaches the outbox', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    await expect(client.saveAnswer('has space', text('a'))).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(client.saveAnswer('q1', { kind: 'numeric', value: Number.NaN })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(client.pendingCount()).toBe(0);
  });
});
