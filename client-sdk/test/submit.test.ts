import { describe, expect, it } from 'vitest';
import type { AnswerValue } from '@examhall/shared';
import { MemoryOutboxStorage } from '../src/index.js';
import { eventually, harness, record } from './harness.js';
import { failure, sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();

const bySeq = (answers: Array<{ questionId: string; seq: number }>) => [...answers].sort((a, b) => a.seq - b.seq);

describe('submit', () => {
  it('sends the newest answer per question, including saves the server never acknowledged', async () => {
    const storage = new MemoryOutboxStorage();
    const peer = await h.peer({ onSave: () => 'hold' }); // the queue never answers
    peer.store({ questionId: 'q0', seq: 3, value: text('from the server') });
    peer.store({ questionId: 'q1', seq: 2, value: text('older than the outbox') });
    const client = await h.joined(peer, { storage });
    const submitted = record(client, 'submitted');
    const final = record(client, 'final');

    await client.saveAnswer('q1', text('first'));
    await client.saveAnswer('q2', text('b'));
    await client.saveAnswer('q1', text('second'));
    const late = client.saveAnswer('q3', text('saved and submitted at once'));
    const drained = client.waitUntilDrained(5_000);
    const [reply, again] = await Promise.all([client.submit(), client.submit()]);
    await late;

    expect(peer.submits).toHaveLength(1);
    expect(bySeq(peer.submits[0]!.answers)).toEqual([
      { questionId: 'q0', seq: 3, value: text('from the server') },
      { questionId: 'q2', seq: 5, value: text('b') },
      { questionId: 'q1', seq: 6, value: text('second') },
      { questionId: 'q3', seq: 7, value: text('saved and submitted at once') },
    ]);
    expect(reply).toEqual({ status: 'submitted', submittedAt: expect.any(Number) });
    expect(again).toBe(reply);
    expect(submitted).toEqual([reply]);
    expect(final).toEqual([{ status: 'submitted' }]);
    expect(client.status).toBe('submitted');
    expect(client.pendingCount()).toBe(0);
    expect(client.answers().get('q1')).toEqual({ value: text('second'), seq: 6, state: 'committed' });
    await drained;
    expect(JSON.parse((await storage.load(client.storageKey))!).entries).toEqual([]);
  });

  it('retries retryable failures (refusal, lost ack) and then succeeds', async () => {
    const peer = await h.peer({
      onSave: () => 'noack',
      onSubmit: (_request, count) => (count === 1 ? failure('STORE_UNAVAILABLE') : count === 2 ? 'noack' : 'submit'),
    });
    const client = await h.joined(peer, { ackTimeoutMs: 200 });
    await client.saveAnswer('q1', text('a'));
    const reply = await client.submit();
    expect(reply.status).toBe('submitted');
    expect(peer.submits).toHaveLength(3);
    expect(peer.submits.map((request) => request.answers)).toEqual(Array(3).fill([{ questionId: 'q1', seq: 1, value: text('a') }]));
    expect(client.pendingCount()).toBe(0);
  });

  it('rejects at once on a refusal retrying cannot fix, and keeps the outbox', async () => {
    const peer = await h.peer({ onSave: () => 'noack', onSubmit: () => failure('SITTING_CLOSED') });
    const client = await h.joined(peer);
    const submitted = record(client, 'submitted');
    await client.saveAnswer('q1', text('a'));
    await expect(client.submit()).rejects.toMatchObject({ name: 'ExamhallError', code: 'SITTING_CLOSED' });
    await sleep(300);
    expect(peer.submits).toHaveLength(1);
    expect(submitted).toHaveLength(0);
    expect(client.pendingCount()).toBe(1);
    expect(client.status).toBe('in_progress');
  });

  it('gives up after submitTimeoutMs with the last error', async () => {
    const peer = await h.peer({ onSubmit: () => failure('OVERLOADED') });
    const client = await h.joined(peer, { submitTimeoutMs: 600 });
    const began = Date.now();
    await expect(client.submit()).rejects.toMatchObject({ name: 'ExamhallError', code: 'OVERLOADED' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(550);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(peer.submits.length).toBeGreaterThanOrEqual(2);
  });

  it('rejoins when the server forgot the join, and waits for a lost connection', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    peer.forgetJoins();
    expect((await client.submit()).status).toBe('submitted');
    expect(peer.submits).toHaveLength(2); // NOT_JOINED, then after the rejoin
    expect(peer.joins).toBe(2);

    const second = await h.peer();
    const other = await h.joined(second);
    second.dropConnections();
    expect((await other.submit()).status).toBe('submitted');
    expect(second.connections).toBe(2);
    expect(second.submits).toHaveLength(1);
  });

  it('needs a join first', async () => {
    const peer = await h.peer();
    const client = h.client(peer);
    await expect(client.submit()).rejects.toThrow(/join\(\) before submit\(\)/);
  });

  it('resolves waitUntilDrained even when the final update arrives before the submit ack', async () => {
    // the peer notifies the room (attempt:updated, submitted) before it acks: the SDK must not
    // report the still-pending answers as lost in that moment
    const peer = await h.peer({ onSave: () => 'noack' });
    const client = await h.joined(peer);
    const updated = record(client, 'updated');
    await client.saveAnswer('q1', text('a'));
    const drained = client.waitUntilDrained(2_000);
    await client.submit();
    await drained;
    await eventually(() => expect(updated.map(({ reason }) => reason)).toEqual(['submitted']));
  });
});
