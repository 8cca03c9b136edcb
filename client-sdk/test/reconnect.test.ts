import { describe, expect, it } from 'vitest';
import { EVENTS, type AnswerValue } from '@examhall/shared';
import { eventually, harness, record } from './harness.js';
import { sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();

describe('reconnects', () => {
  it('rejoins after a dropped connection, skips what the server holds and resends the rest', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const disconnected = record(client, 'disconnected');
    const joined = record(client, 'joined');
    await client.saveAnswer('q1', text('a'));
    await client.saveAnswer('q2', text('b'));
    await client.saveAnswer('q3', text('c'));
    await eventually(() => expect(peer.queued.size).toBe(3));

    // q1 reached the database but its commit notice is lost; q2 and q3 vanish with the queue
    peer.store(peer.queued.get('q1')!);
    peer.queued.clear();
    const sentBefore = peer.saves.length;
    peer.dropConnections();
    await eventually(() => expect(disconnected).toHaveLength(1));
    await client.saveAnswer('q4', text('typed while offline'));

    await eventually(() => expect(peer.queued.size).toBe(3));
    expect(joined).toHaveLength(1);
    expect(peer.joins).toBe(2);
    const resent = peer.saves.slice(sentBefore);
    expect(resent.map((save) => save.questionId).sort()).toEqual(['q2', 'q3', 'q4']);
    expect(new Set(resent.map((save) => save.connection))).toEqual(new Set([2]));
    expect(client.answers().get('q1')).toEqual({ value: text('a'), seq: 1, state: 'committed' });

    peer.commitQueued();
    await client.waitUntilDrained(1_000);
  });

  it('reconnects by itself after a server-side disconnect', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const disconnected = record(client, 'disconnected');
    peer.io.of('/candidate').disconnectSockets();
    await eventually(() => expect(peer.joins).toBe(2));
    expect(disconnected).toEqual(['io server disconnect']);
    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
  });

  it('resends a queued answer that is not committed within resendAfterMs, and stops once committed', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { resendAfterMs: 150 });
    const queuedAt: number[] = [];
    client.on('queued', () => queuedAt.push(Date.now()));

    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.savesFor('q1')).toHaveLength(2));
    expect(peer.savesFor('q1').map((save) => save.seq)).toEqual([1, 1]);
    await eventually(() => expect(queuedAt).toHaveLength(2));
    expect(queuedAt[1]! - queuedAt[0]!).toBeGreaterThanOrEqual(140);

    peer.commitQueued();
    await client.waitUntilDrained(1_000);
    const frames = peer.saves.length;
    await sleep(400);
    expect(peer.saves).toHaveLength(frames);
  });

  it('moves to a new connection when the server drains, within the window it gave', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const draining = record(client, 'draining');
    peer.broadcast(EVENTS.serverDraining, { reconnectInMs: 100 });
    await eventually(() => expect(peer.joins).toBe(2));
    expect(draining).toEqual([{ reconnectInMs: 100 }]);
    expect(peer.connections).toBe(2);
    expect(peer.socketCount()).toBe(1);
    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
  });
});
