import { describe, expect, it } from 'vitest';
import type { AnswerValue } from '@examhall/shared';
import { MemoryOutboxStorage } from '../src/index.js';
import { eventually, harness, record } from './harness.js';
import { sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();
const TEN_MINUTES = 600_000;

describe('a proctor lock', () => {
  it('holds answers in the outbox while locked, keeps the clock running, and resends them on unlock', async () => {
    const peer = await h.peer({ durationMs: TEN_MINUTES });
    const client = await h.joined(peer);
    const updated = record(client, 'updated');
    expect(client.locked).toBe(false);

    peer.lock();
    await eventually(() => expect(client.locked).toBe(true));
    expect(updated.map(({ reason, locked }) => [reason, locked])).toEqual([['locked', true]]);
    expect(client.status).toBe('in_progress');
    await client.saveAnswer('q1', text('typed while locked'));
    const before = client.remainingMs()!;
    await sleep(250);
    expect(peer.saves).toHaveLength(0); // the server would refuse it: it waits
    expect(client.pendingCount()).toBe(1);
    expect(before - client.remainingMs()!).toBeGreaterThanOrEqual(200); // not frozen, unlike a pause

    peer.unlock();
    await eventually(() => expect(peer.queued.get('q1')).toMatchObject({ seq: 1, value: text('typed while locked') }));
    expect(client.locked).toBe(false);
    expect(updated.map(({ reason }) => reason)).toEqual(['locked', 'unlocked']);
    peer.commitQueued();
    await client.waitUntilDrained(1_000);
  });

  it('a save refused with ATTEMPT_LOCKED before the lock notice arrived is retried, never dropped', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const retrying = record(client, 'retrying');
    const rejected = record(client, 'rejected');
    peer.locked = true; // the server holds the attempt; the notice is still on its way

    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(retrying.some(({ error }) => error.code === 'ATTEMPT_LOCKED')).toBe(true));
    peer.lock(); // the notice lands: nothing is sent until the unlock
    await eventually(() => expect(client.locked).toBe(true));
    const sent = peer.saves.length;
    await sleep(300);
    expect(peer.saves).toHaveLength(sent);

    peer.unlock();
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(rejected).toEqual([]);
  });

  it('a join while locked starts locked; a reconnect after the unlock sends what waited', async () => {
    const storage = new MemoryOutboxStorage();
    const peer = await h.peer();
    peer.locked = true;
    const client = await h.joined(peer, { storage });
    expect(client.locked).toBe(true);
    await client.saveAnswer('q1', text('a'));
    await sleep(150);
    expect(peer.saves).toHaveLength(0);

    // the unlock notice is lost with the connection; the rejoin's reply says unlocked
    peer.locked = false;
    peer.dropConnections();
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(client.locked).toBe(false);
  });

  it('submit() is refused at once while locked, and works after the unlock', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    await client.saveAnswer('q1', text('a'));
    peer.lock();
    await eventually(() => expect(client.locked).toBe(true));
    await expect(client.submit()).rejects.toMatchObject({ name: 'ExamhallError', code: 'ATTEMPT_LOCKED' });
    expect(peer.submits).toHaveLength(0);
    expect(client.status).toBe('in_progress');

    peer.unlock();
    await eventually(() => expect(client.locked).toBe(false));
    expect((await client.submit()).status).toBe('submitted');
    expect(peer.stored.get('q1')?.value).toEqual(text('a'));
  });

  it('a submit refused with ATTEMPT_LOCKED by the server rejects at once instead of retrying for the whole budget', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { submitTimeoutMs: 10_000 });
    peer.locked = true; // the client has not heard of it
    const started = Date.now();
    await expect(client.submit()).rejects.toMatchObject({ code: 'ATTEMPT_LOCKED' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(peer.submits).toHaveLength(1);
  });

  it('a lock that ends in termination is final: status terminated, no more saves', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const final = record(client, 'final');
    peer.lock();
    await eventually(() => expect(client.locked).toBe(true));
    peer.finalise('terminated');
    await eventually(() => expect(final).toEqual([{ status: 'terminated' }]));
    expect(client.locked).toBe(false);
    expect(client.remainingMs()).toBe(0);
    await expect(client.saveAnswer('q1', text('late'))).rejects.toMatchObject({ code: 'ATTEMPT_CLOSED' });
  });
});

describe('the lobby', () => {
  it('reports the planned start, and clears it once the exam runs', async () => {
    const scheduledStart = Date.now() + 5 * 60_000;
    const peer = await h.peer({ lobby: true, scheduledStart });
    const client = await h.joined(peer);
    expect(client.status).toBe('lobby');
    expect(client.scheduledStart).toBe(scheduledStart);
    peer.startExam();
    await eventually(() => expect(client.status).toBe('in_progress'));
    expect(client.scheduledStart).toBeNull();
  });
});
