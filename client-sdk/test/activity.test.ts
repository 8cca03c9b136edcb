import { describe, expect, it } from 'vitest';
import { EVENTS, type AnswerValue, type ProctorMessage } from '@examhall/shared';
import { MAX_HELD_ACTIVITY, MAX_MESSAGES } from '../src/index.js';
import { eventually, harness, record } from './harness.js';
import { failure, sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();

describe('reportActivity', () => {
  it('sends each report with the attempt id', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    expect(client.reportActivity('navigate', 'q1')).toBe(true);
    expect(client.reportActivity('focus_lost')).toBe(true);
    await eventually(() => expect(peer.activities).toHaveLength(2));
    expect(peer.activities).toEqual([
      { attemptId: peer.attemptId, kind: 'navigate', questionId: 'q1', connection: 1 },
      { attemptId: peer.attemptId, kind: 'focus_lost', connection: 1 },
    ]);
  });

  it('keeps the latest few while not joined and sends them, in order, after the next join', async () => {
    const peer = await h.peer();
    const client = h.client(peer);
    client.reportActivity('focus_lost'); // before connect: the oldest, pushed out below
    for (let i = 1; i <= MAX_HELD_ACTIVITY; i++) client.reportActivity('navigate', `q${i}`);
    await client.connect();
    await sleep(100);
    expect(peer.activities).toHaveLength(0); // connected, not joined: no attempt id yet
    await client.join();
    await eventually(() => expect(peer.activities).toHaveLength(MAX_HELD_ACTIVITY));
    expect(peer.activities.map(({ questionId }) => questionId)).toEqual(Array.from({ length: MAX_HELD_ACTIVITY }, (_, i) => `q${i + 1}`));
  });

  it('holds reports made while disconnected until the rejoin', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { socketOptions: { reconnectionDelay: 300, reconnectionDelayMax: 300 } });
    peer.dropConnections();
    await eventually(() => expect(client.connected).toBe(false));
    expect(client.reportActivity('focus_lost')).toBe(true);
    expect(client.reportActivity('focus_back')).toBe(true);
    await eventually(() => expect(peer.activities.map(({ kind }) => kind)).toEqual(['focus_lost', 'focus_back']));
    expect(peer.activities.every(({ connection }) => connection === 2)).toBe(true);
  });

  it('never throws: a malformed report returns false, a refusal or a lost ack is let go', async () => {
    const peer = await h.peer({ onActivity: (_report, count) => (count === 1 ? failure('OVERLOADED') : 'noack') });
    const client = await h.joined(peer, { ackTimeoutMs: 100 });
    const errors = record(client, 'error');
    expect(client.reportActivity('navigate', 'not a valid id!')).toBe(false);
    expect(client.reportActivity('teleported' as never)).toBe(false);
    expect(client.reportActivity('navigate', 'q1')).toBe(true);
    expect(client.reportActivity('navigate', 'q2')).toBe(true);
    await sleep(300);
    expect(peer.activities.map(({ questionId }) => questionId)).toEqual(['q1', 'q2']); // no resends
    expect(errors).toEqual([]);
  });

  it('stops once the attempt is final', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    await client.submit();
    expect(client.reportActivity('focus_lost')).toBe(false);
    await client.close();
    expect(client.reportActivity('focus_lost')).toBe(false);
    await sleep(100);
    expect(peer.activities).toHaveLength(0);
  });
});

describe('proctor messages', () => {
  it('emits each message once and keeps the newest in messages', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const seen = record(client, 'message');
    const first = peer.message('Ten minutes left in this room.', 'center');
    await eventually(() => expect(seen).toEqual([first]));
    peer.broadcast(EVENTS.proctorMessage, first); // the same message again (e.g. through two gateways)
    const second = peer.message('Please sit still.');
    await eventually(() => expect(seen).toEqual([first, second]));
    expect(client.messages).toEqual([first, second]);
  });

  it(`keeps at most ${MAX_MESSAGES}`, async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const sent: ProctorMessage[] = [];
    for (let i = 0; i < MAX_MESSAGES + 5; i++) sent.push(peer.message(`message ${i}`, 'sitting', `m${i}`));
    await eventually(() => expect(client.messages.at(-1)?.id).toBe(`m${MAX_MESSAGES + 4}`));
    expect(client.messages).toEqual(sent.slice(5));
  });

  it('reports a malformed message as an error', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const errors = record(client, 'error');
    const seen = record(client, 'message');
    peer.broadcast(EVENTS.proctorMessage, { id: 'x', text: 42 });
    await eventually(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'MALFORMED_SERVER_FRAME' });
    expect(errors[0]!.detail).toMatch(/proctor:message/);
    expect(seen).toEqual([]);
  });
});

describe('the outbox event', () => {
  it('follows the number of uncommitted answers', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const outbox = record(client, 'outbox');
    await client.saveAnswer('q1', text('a'));
    await client.saveAnswer('q2', text('b'));
    await client.saveAnswer('q1', text('c')); // supersedes: still two
    expect(outbox).toEqual([{ pending: 1 }, { pending: 2 }]);
    await eventually(() => expect(peer.queued.size).toBe(2));
    peer.commitQueued();
    await eventually(() => expect(outbox.at(-1)).toEqual({ pending: 0 }));
    expect(client.pendingCount()).toBe(0);
  });
});
