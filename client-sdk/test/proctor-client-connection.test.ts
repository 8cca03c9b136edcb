import { describe, expect, it } from 'vitest';
import { EVENTS, ExamhallError, protocolError } from '@examhall/shared';
import { candidateId, makeRows } from './proctor-peer.js';
import { eventually, proctorHarness, record } from './proctor-harness.js';

const h = proctorHarness();

describe('ProctorClient: reconnects', () => {
  it('re-watches after the peer restarts, and the new snapshot replaces the roster', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const snapshots = record(proctor, 'snapshot');
    const states = record(proctor, 'connection');
    peer.rows = makeRows(5, ['c1'], peer.serverNow());
    await peer.restart();
    await eventually(() => expect(snapshots).toHaveLength(1));
    expect(peer.watches).toBe(2);
    expect(proctor.roster.size).toBe(5);
    expect(proctor.counters.total).toBe(5);
    expect(states).toContain('reconnecting');
    expect(proctor.state).toBe('live');
  });

  it('re-watches after a server-side disconnect and after a drain notice', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const draining = record(proctor, 'draining');
    peer.disconnectAll();
    await eventually(() => expect(peer.watches).toBe(2));
    peer.send({ reconnectInMs: 50 }, EVENTS.serverDraining);
    await eventually(() => expect(peer.watches).toBe(3));
    expect(draining).toEqual([{ reconnectInMs: 50 }]);
    expect(peer.connections).toBe(3);
    expect(peer.socketCount()).toBe(1);
    await eventually(() => expect(proctor.state).toBe('live'));
  });

  it('re-watches after a dropped transport, with deltas flowing again', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    peer.dropConnections();
    await eventually(() => expect(peer.watches).toBe(2));
    await eventually(() => expect(proctor.state).toBe('live'));
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: peer.serverNow() + 1, answered: 5 }]));
    await eventually(() => expect(proctor.row(candidateId(1))!.answered).toBe(5));
  });

  it('rejects connect() on a refused token, and reports a refusal on a reconnect as an error', async () => {
    const peer = await h.peer({ refuse: () => protocolError('AUTH_EXPIRED') });
    const proctor = h.client(peer);
    await expect(proctor.connect()).rejects.toMatchObject({ code: 'AUTH_EXPIRED' });
    expect(proctor.state).toBe('refused');

    peer.setOptions({ refuse: (attempt) => (attempt >= 2 ? protocolError('AUTH_INVALID') : undefined) });
    const second = await h.watching(peer);
    const errors = record(second, 'error');
    peer.disconnectAll();
    await eventually(() => expect(errors.map((error) => error.code)).toEqual(['AUTH_INVALID']));
    expect(second.state).toBe('refused');
  });

  it('retries a watch refused for now, and gives up on one refused for good', async () => {
    const peer = await h.peer();
    peer.setOptions({ onWatch: (_socket, count) => (count === 1 ? { ok: false, error: protocolError('OVERLOADED') } : { ok: true, data: peer.snapshot() }) });
    const proctor = await h.watching(peer);
    expect(peer.watches).toBe(2);

    peer.setOptions({ onWatch: () => ({ ok: false, error: protocolError('SCOPE_FORBIDDEN') }) });
    const other = h.client(peer);
    const errors = record(other, 'error');
    await other.connect();
    await expect(other.watch()).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect(errors.map((error) => error.code)).toEqual(['SCOPE_FORBIDDEN']);
    expect(proctor.state).toBe('live');
  });

  it('connects again with a new token after a refusal', async () => {
    const peer = await h.peer();
    peer.setOptions({ refuse: () => (peer.handshakeTokens.at(-1) === 'expired' ? protocolError('AUTH_EXPIRED') : undefined) });
    const proctor = h.client(peer, { token: 'expired' });
    await expect(proctor.connect()).rejects.toMatchObject({ code: 'AUTH_EXPIRED' });
    // a watch asked for while refused waits for the next connection
    const watched = proctor.watch();
    proctor.setToken('fresh');
    await proctor.connect();
    const snapshot = await watched;
    expect(snapshot.rows).toHaveLength(20);
    expect(peer.handshakeTokens).toEqual(['expired', 'fresh']);
  });
});

describe('ProctorClient: actions', () => {
  it('sends an action and resolves with the reply', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const reply = await proctor.act({ kind: 'extend', target: { candidates: [candidateId(1), candidateId(2)] }, seconds: 300, reason: 'power cut' });
    expect(reply).toMatchObject({ kind: 'extend', applied: 2, failed: 0 });
    expect(peer.actions).toEqual([{ kind: 'extend', target: { candidates: [candidateId(1), candidateId(2)] }, seconds: 300, reason: 'power cut' }]);
  });

  it('throws ExamhallError on an error ack, a malformed ack, an invalid action or no connection', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    peer.setOptions({ onAction: () => ({ ok: false, error: protocolError('ROLE_FORBIDDEN', 'incident pause') }) });
    const refused = proctor.act({ kind: 'pause', target: { sitting: true }, reason: 'fire alarm' });
    await expect(refused).rejects.toBeInstanceOf(ExamhallError);
    await expect(refused).rejects.toMatchObject({ code: 'ROLE_FORBIDDEN' });

    peer.setOptions({ onAction: () => ({ ok: true, data: { applied: 'all' } }) });
    const errors = record(proctor, 'error');
    await expect(proctor.act({ kind: 'message', target: { centers: ['c1'] }, text: 'Ten minutes left' })).rejects.toMatchObject({ code: 'MALFORMED_SERVER_FRAME' });
    expect(errors).toHaveLength(1);

    const sent = peer.actions.length;
    await expect(proctor.act({ kind: 'lock', target: { candidates: [candidateId(1)] }, reason: '  ' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(peer.actions).toHaveLength(sent);

    peer.setOptions({ refuse: () => protocolError('GATEWAY_FULL') });
    peer.disconnectAll();
    await eventually(() => expect(proctor.connected).toBe(false));
    await expect(proctor.act({ kind: 'unlock', target: { candidates: [candidateId(1)] }, reason: 'ok' })).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
  });

  it('reports ACK_TIMEOUT when the server does not answer an action', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer, { ackTimeoutMs: 100 });
    peer.setOptions({ onAction: () => 'noack' });
    await expect(proctor.act({ kind: 'resume', target: { centers: ['c1'] }, reason: 'back' })).rejects.toMatchObject({ code: 'ACK_TIMEOUT' });
  });
});
