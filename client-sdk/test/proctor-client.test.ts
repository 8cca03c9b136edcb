import { describe, expect, it } from 'vitest';
import { EVENTS, protocolError, type ProtocolError, type RosterSnapshot } from '@examhall/shared';
import { alert, candidateId, makeRows } from './proctor-peer.js';
import { eventually, line, proctorHarness, record } from './proctor-harness.js';

const h = proctorHarness();

describe('ProctorClient: snapshot and deltas', () => {
  it('watches: the snapshot fills the roster, the counters, scope and title, and starts the clock sync', async () => {
    const peer = await h.peer({ clockShiftMs: 3_600_000 });
    const proctor = h.client(peer);
    const states = record(proctor, 'connection');
    await proctor.connect();
    const snapshot = await proctor.watch();
    expect(snapshot.rows).toHaveLength(20);
    expect(proctor.roster.size).toBe(20);
    expect(proctor.row(candidateId(3))?.name).toBe(peer.rows[3]!.name);
    expect(proctor.sittingTitle).toBe(peer.sittingTitle);
    expect(proctor.scope).toEqual(peer.scope);
    expect(proctor.state).toBe('live');
    expect(states).toEqual(['connecting', 'connected', 'syncing', 'live']);
    // rows 0, 7, 14 offline; 9 and 19 in the lobby; 0 has an alert
    expect(proctor.counters).toMatchObject({ total: 20, online: 17, offline: 3, inProgress: 18, lobby: 2, submitted: 0, alertsOpen: 1, rowsWithAlerts: 1 });
    // the watch round trip alone puts the clock within a second of the peer's shifted one
    expect(Math.abs(proctor.serverNow() - peer.serverNow())).toBeLessThan(1_000);
    await eventually(() => expect(peer.timeSyncs).toBeGreaterThanOrEqual(3));
    expect(Math.abs(proctor.clockOffsetMs - 3_600_000)).toBeLessThan(100);
    const left = proctor.timeLeftMs(candidateId(1))!;
    expect(Math.abs(left - (peer.rows[1]!.deadline! - peer.serverNow()))).toBeLessThan(200);
    expect(proctor.timeLeftMs(candidateId(9))).toBeNull(); // lobby
  });

  it('applies deltas: rows change, counters follow, one rows event per delta, feed and latency samples', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const rows = record(proctor, 'rows');
    const feed = record(proctor, 'feed');
    const now = peer.serverNow();
    peer.send(
      peer.delta(
        'c1',
        [
          { candidateId: candidateId(2), at: now, online: false, onlineChangedAt: now },
          { candidateId: candidateId(4), at: now, status: 'submitted' },
          { candidateId: candidateId(2), at: now + 1, answered: 30, lastSaveAt: now - 40 },
          { candidateId: candidateId(6), at: now, alerts: [alert(99, 'fullscreen_exit', now), alert(100, 'idle', now)] },
        ],
        [line(now - 40, candidateId(2)), line(now - 5, candidateId(4), 'submitted')],
      ),
    );
    await eventually(() => expect(rows).toHaveLength(1));
    expect(rows[0]!.sort()).toEqual([candidateId(2), candidateId(4), candidateId(6)]);
    expect(proctor.row(candidateId(2))).toMatchObject({ online: false, answered: 30, lastSaveAt: now - 40, name: peer.rows[2]!.name });
    expect(proctor.counters).toMatchObject({ online: 16, offline: 4, inProgress: 17, submitted: 1, alertsOpen: 3, rowsWithAlerts: 2 });
    expect(feed).toHaveLength(1);
    expect(feed[0]!.map((entry) => entry.kind)).toEqual(['submitted', 'saved']); // newest first
    expect(proctor.feed[0]!.kind).toBe('submitted');
    expect(proctor.latencySamples).toHaveLength(1);
    expect(proctor.latencySamples[0]).toBeGreaterThanOrEqual(30);
    expect(proctor.latencySamples[0]).toBeLessThan(1_000);
    expect(proctor.takeLatencySamples()).toHaveLength(1);
    expect(proctor.latencySamples).toHaveLength(0);

    // the alerts list is replaced as a whole
    peer.send(peer.delta('c1', [{ candidateId: candidateId(6), at: now + 2, alerts: [] }]));
    await eventually(() => expect(proctor.counters.alertsOpen).toBe(1));
  });

  it('ignores a patch stamped before the snapshot was taken', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const takenAt = proctor.snapshot!.takenAt;
    const rows = record(proctor, 'rows');
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: takenAt - 1, answered: 39 }]));
    peer.send(peer.delta('c1', [{ candidateId: candidateId(3), at: takenAt, answered: 38 }]));
    await eventually(() => expect(rows).toEqual([[candidateId(3)]]));
    expect(proctor.row(candidateId(1))!.answered).toBe(1);
    expect(proctor.row(candidateId(3))!.answered).toBe(38);
    expect(proctor.stats).toMatchObject({ stalePatches: 1, patchesApplied: 1 });
  });

  it('buffers deltas that arrive before the snapshot and applies them after it, by the freshness rule', async () => {
    const peer = await h.peer();
    let snapshot: RosterSnapshot | undefined;
    peer.setOptions({
      onWatch: async (socket) => {
        snapshot = peer.snapshot();
        const { takenAt } = snapshot;
        socket.emit(EVENTS.proctorDelta, peer.delta('c1', [{ candidateId: candidateId(1), at: takenAt - 5, answered: 21 }], [line(takenAt - 5, candidateId(1))]));
        socket.emit(
          EVENTS.proctorDelta,
          peer.delta('c2', [{ candidateId: candidateId(2), at: takenAt + 5, answered: 22 }], [line(takenAt + 5, candidateId(2))]),
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { ok: true, data: { ...snapshot, feed: [line(takenAt - 5, candidateId(1))] } };
      },
    });
    const proctor = h.client(peer);
    const order: string[] = [];
    proctor.on('snapshot', () => order.push('snapshot'));
    proctor.on('rows', (ids) => order.push(`rows:${ids.join(',')}`));
    proctor.on('feed', (lines) => order.push(`feed:${lines.length}`));
    await proctor.connect();
    await proctor.watch();
    expect(order).toEqual(['snapshot', `rows:${candidateId(2)}`, 'feed:1']);
    expect(proctor.row(candidateId(1))!.answered).toBe(1);
    expect(proctor.row(candidateId(2))!.answered).toBe(22);
    expect(proctor.feed.map((entry) => entry.candidateId)).toEqual([candidateId(2), candidateId(1)]); // not listed twice
    expect(proctor.stats.stalePatches).toBe(1);
  });

  it('keeps a paused row\'s time left frozen, and takes a complete row for an unknown candidate', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const at = peer.serverNow();
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at, paused: true, deadline: at + 600_000 }]));
    await eventually(() => expect(proctor.row(candidateId(1))!.paused).toBe(true));
    expect(proctor.timeLeftMs(candidateId(1))).toBe(600_000);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(proctor.timeLeftMs(candidateId(1))).toBe(600_000);
    expect(proctor.counters.paused).toBe(1);

    const extra = { ...makeRows(1, ['c1'], at)[0]!, candidateId: 'late-1', name: 'Late Joiner' };
    peer.send(peer.delta('c1', [{ ...extra, at }, { candidateId: 'ghost', at, answered: 3 }]));
    await eventually(() => expect(proctor.row('late-1')?.name).toBe('Late Joiner'));
    expect(proctor.row('ghost')).toBeUndefined();
    expect(proctor.counters.total).toBe(21);
    expect(proctor.stats.unknownPatches).toBe(1);
  });
});

describe('ProctorClient: malformed frames', () => {
  it('reports a malformed delta, server:error or snapshot as an error event and keeps going', async () => {
    const peer = await h.peer();
    let first = true;
    peer.setOptions({
      onWatch: () => {
        if (!first) return { ok: true, data: peer.snapshot() };
        first = false;
        return { ok: true, data: { rows: 'not a roster' } };
      },
    });
    const proctor = h.client(peer);
    const errors: ProtocolError[] = record(proctor, 'error');
    await proctor.connect();
    await proctor.watch();
    expect(peer.watches).toBe(2);
    expect(errors.map((error) => error.code)).toEqual(['MALFORMED_SERVER_FRAME']);

    peer.send({ sittingId: 'sit-1', patches: 'nope' });
    peer.send(null);
    peer.send({ code: 'NOT_A_CODE' }, EVENTS.serverError);
    peer.send(protocolError('OVERLOADED'), EVENTS.serverError);
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: peer.serverNow() + 1, answered: 7 }]));
    await eventually(() => expect(proctor.row(candidateId(1))!.answered).toBe(7));
    expect(errors.map((error) => error.code)).toEqual(['MALFORMED_SERVER_FRAME', 'MALFORMED_SERVER_FRAME', 'MALFORMED_SERVER_FRAME', 'MALFORMED_SERVER_FRAME', 'OVERLOADED']);
    expect(errors[1]!.detail).toMatch(/proctor:delta/);
    expect(proctor.stats.malformedFrames).toBe(4);
    expect(proctor.state).toBe('live');
  });

  it('ignores a delta for another sitting', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    peer.send({ ...peer.delta('c1', [{ candidateId: candidateId(1), at: peer.serverNow() + 1, answered: 9 }]), sittingId: 'other' });
    peer.send(peer.delta('c1', [{ candidateId: candidateId(2), at: peer.serverNow() + 1, answered: 9 }]));
    await eventually(() => expect(proctor.row(candidateId(2))!.answered).toBe(9));
    expect(proctor.row(candidateId(1))!.answered).toBe(1);
    expect(proctor.stats.foreignDeltas).toBe(1);
  });
});

describe('ProctorClient: lost deltas', () => {
  it('re-watches when a delta of a (source, center) is missing, and not for other sources or centers', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const at = () => peer.serverNow() + 1;
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: at(), answered: 2 }]));
    peer.send(peer.delta('c2', [{ candidateId: candidateId(2), at: at(), answered: 2 }]));
    peer.send({ ...peer.delta('c1', []), source: 'another-process', seq: 40 }); // first seen from that source: fine
    await eventually(() => expect(proctor.row(candidateId(2))!.answered).toBe(2));
    expect(peer.watches).toBe(1);
    peer.delta('c1', []); // made, never delivered: seq 3 of c1 is lost
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: at(), answered: 4 }]));
    await eventually(() => expect(peer.watches).toBe(2));
    await eventually(() => expect(proctor.state).toBe('live'));
    // after the new snapshot, counting starts over from whatever comes first
    peer.send(peer.delta('c1', [{ candidateId: candidateId(1), at: at(), answered: 5 }]));
    await eventually(() => expect(proctor.row(candidateId(1))!.answered).toBe(5));
    expect(peer.watches).toBe(2);
  });
});

describe('ProctorClient: feed', () => {
  it('shows a feed line delivered twice once, and measures it once', async () => {
    const peer = await h.peer();
    const proctor = await h.watching(peer);
    const now = peer.serverNow();
    const saved = line(now - 20, candidateId(1));
    peer.send(peer.delta('c1', [], [saved]));
    peer.send(peer.delta('c1', [], [saved, line(now - 10, candidateId(2))]));
    await eventually(() => expect(proctor.feed).toHaveLength(2));
    expect(proctor.latencySamples).toHaveLength(2);
  });
});
