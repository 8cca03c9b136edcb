import { describe, expect, it } from 'vitest';
import { EVENTS, type AnswerValue } from '@examhall/shared';
import { MemoryOutboxStorage } from '../src/index.js';
import { eventually, harness, record } from './harness.js';
import { PAPER, sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();
const TEN_MINUTES = 600_000;

async function storedEntries(storage: MemoryOutboxStorage, key: string): Promise<Array<{ questionId: string; seq: number }>> {
  const raw = await storage.load(key);
  return raw === null ? [] : (JSON.parse(raw) as { entries: Array<{ questionId: string; seq: number }> }).entries;
}

describe('attempt:updated', () => {
  it('an extension moves the deadline and remainingMs', async () => {
    const peer = await h.peer({ durationMs: TEN_MINUTES, clockShiftMs: 7_200_000 });
    const client = await h.joined(peer);
    const updated = record(client, 'updated');
    const before = client.remainingMs()!;
    expect(Math.abs(before - TEN_MINUTES)).toBeLessThan(1_000);

    peer.extend(300_000);
    await eventually(() => expect(updated).toHaveLength(1));
    expect(updated[0]).toMatchObject({ reason: 'extended', paused: false, status: 'in_progress', deadline: peer.deadline });
    expect(client.deadline).toBe(peer.deadline);
    expect(Math.abs(client.remainingMs()! - (before + 300_000))).toBeLessThan(200);
  });

  it('a pause freezes remainingMs and holds answers back; the resume continues both', async () => {
    const peer = await h.peer({ durationMs: TEN_MINUTES });
    const client = await h.joined(peer);
    const updated = record(client, 'updated');

    peer.pause();
    await eventually(() => expect(client.paused).toBe(true));
    const frozen = client.remainingMs()!;
    expect(Math.abs(frozen - (peer.deadline! - peer.serverNow()))).toBeLessThan(100);
    await client.saveAnswer('q1', text('typed during the pause'));
    await sleep(300);
    expect(Math.abs(client.remainingMs()! - frozen)).toBeLessThan(50);
    expect(peer.saves).toHaveLength(0); // the server would refuse it (ATTEMPT_PAUSED): it waits in the outbox

    peer.resume();
    await eventually(() => expect(client.paused).toBe(false));
    expect(updated.map(({ reason }) => reason)).toEqual(['paused', 'resumed']);
    expect(Math.abs(client.remainingMs()! - frozen)).toBeLessThan(50);
    await sleep(200);
    const ran = frozen - client.remainingMs()!;
    expect(ran).toBeGreaterThanOrEqual(150);
    expect(ran).toBeLessThan(400);
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
  });

  it('a join during a pause starts frozen and holds answers back', async () => {
    const peer = await h.peer({ durationMs: TEN_MINUTES });
    peer.pause();
    await sleep(100); // the reported deadline moves on with the pause; the time left does not
    const client = await h.joined(peer);
    expect(client.paused).toBe(true);
    expect(Math.abs(client.remainingMs()! - TEN_MINUTES)).toBeLessThan(100);
    await client.saveAnswer('q1', text('a'));
    await sleep(150);
    expect(peer.saves).toHaveLength(0);
    peer.resume();
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
  });

  it('a final status stops sending but keeps the outbox', async () => {
    const storage = new MemoryOutboxStorage();
    const peer = await h.peer();
    // queued but never committed: without the stop it would be resent every 100 ms
    const client = await h.joined(peer, { storage, resendAfterMs: 100 });
    const final = record(client, 'final');
    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.savesFor('q1').length).toBeGreaterThanOrEqual(2));

    peer.finalise('terminated');
    await eventually(() => expect(final).toEqual([{ status: 'terminated' }]));
    const sent = peer.saves.length;
    expect(client.status).toBe('terminated');
    expect(client.remainingMs()).toBe(0);
    expect(client.deadline).toBeNull();
    await expect(client.saveAnswer('q2', text('too late'))).rejects.toMatchObject({ name: 'ExamhallError', code: 'ATTEMPT_CLOSED' });
    await expect(client.waitUntilDrained(5_000)).rejects.toMatchObject({ code: 'ATTEMPT_CLOSED' });

    // a reconnect does not start it again either: the join reply says terminated
    peer.dropConnections();
    await eventually(() => expect(peer.joins).toBe(2));
    await sleep(300);
    expect(peer.saves).toHaveLength(sent);
    expect(client.pendingCount()).toBe(1);
    expect(await storedEntries(storage, client.storageKey)).toEqual([{ questionId: 'q1', seq: 1, value: text('a') }]);
    expect(final).toHaveLength(1);
  });

  it('reports a malformed update as an error and ignores updates for other attempts', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer);
    const errors = record(client, 'error');
    const updated = record(client, 'updated');
    peer.broadcast(EVENTS.attemptUpdated, { attemptId: peer.attemptId, status: 'gone' });
    peer.broadcast(EVENTS.attemptUpdated, {
      attemptId: '00000000-0000-4000-8000-000000000000',
      status: 'terminated',
      deadline: null,
      graceMs: 0,
      paused: false,
      locked: false,
      reason: 'terminated',
      serverTime: Date.now(),
    });
    await eventually(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'MALFORMED_SERVER_FRAME' });
    expect(errors[0]!.detail).toMatch(/attempt:updated/);
    await sleep(50);
    expect(updated).toHaveLength(0);
    expect(client.status).toBe('in_progress');
  });
});

describe('lobby and exam:started', () => {
  it('waits in the lobby without sending, then takes the paper from exam:started and sends', async () => {
    const peer = await h.peer({ lobby: true, durationMs: TEN_MINUTES, clockShiftMs: -3_600_000 });
    peer.store({ questionId: 'q9', seq: 1, value: null }); // whatever the join reports is kept
    const client = h.client(peer);
    const joined = record(client, 'joined');
    const started = record(client, 'started');
    await client.saveAnswer('q1', text('typed before joining'));
    await client.connect();

    const lobby = await client.join();
    expect(lobby).toMatchObject({ status: 'lobby', paper: null, deadline: null });
    expect(client.status).toBe('lobby');
    expect(client.remainingMs()).toBeNull();
    expect(client.deadline).toBeNull();
    await client.saveAnswer('q2', text('typed in the lobby'));
    await sleep(200);
    expect(peer.saves).toHaveLength(0);

    peer.startExam();
    await eventually(() => expect(started).toHaveLength(1));
    expect(started[0]!.paper).toEqual(PAPER);
    expect(joined).toEqual([lobby, started[0]]);
    expect(client.status).toBe('in_progress');
    expect(Math.abs(client.remainingMs()! - TEN_MINUTES)).toBeLessThan(1_000);
    expect(client.answers().get('q9')).toEqual({ value: null, seq: 1, state: 'committed' });
    await eventually(() => expect([...peer.queued.keys()].sort()).toEqual(['q1', 'q2']));
    // the answer typed before any join was renumbered above the server's seqs at the lobby join
    expect(peer.saves.map((save) => [save.questionId, save.seq]).sort()).toEqual([
      ['q1', 2],
      ['q2', 3],
    ]);
  });

  it('a late joiner gets the running exam straight from the join reply', async () => {
    const peer = await h.peer({ lobby: true });
    peer.startExam();
    const client = await h.joined(peer);
    expect(client.status).toBe('in_progress');
    expect(client.remainingMs()).toBeGreaterThan(0);
  });
});

describe('session:replaced', () => {
  it.each([
    ['a socket.io disconnect', 'disconnect' as const],
    ['a closed transport', 'transport' as const],
  ])('stops reconnecting after %s and keeps the outbox; connect() takes the attempt back', async (_name, how) => {
    const storage = new MemoryOutboxStorage();
    const peer = await h.peer({ onSave: () => 'noack' });
    const client = await h.joined(peer, { storage });
    const replaced = record(client, 'replaced');
    await client.saveAnswer('q1', text('a'));
    await eventually(() => expect(peer.saves).toHaveLength(1));

    peer.replaceSession(how);
    await eventually(() => expect(replaced).toEqual([{ attemptId: peer.attemptId }]));
    expect(client.connected).toBe(false);
    await sleep(how === 'disconnect' ? 1_500 : 800);
    expect(peer.connections).toBe(1);
    expect(client.pendingCount()).toBe(1);
    expect(await storedEntries(storage, client.storageKey)).toHaveLength(1);

    peer.setOptions({ onSave: () => 'queue' });
    await client.connect();
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(peer.joins).toBe(2);
  });
});
