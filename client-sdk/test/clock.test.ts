import { describe, expect, it } from 'vitest';
import { ClockSync } from '../src/clock.js';
import { eventually, harness, record } from './harness.js';
import { sleep } from './peer.js';

const h = harness();
const HOUR = 3_600_000;
const TEN_MINUTES = 600_000;

describe('clock sync against a skewed server', () => {
  it('follows a server 3 h ahead within 50 ms, whatever sync acks the network delays', async () => {
    const peer = await h.peer({
      clockShiftMs: 3 * HOUR,
      durationMs: TEN_MINUTES,
      // The server reads its clock, then the reply is held: these samples are off by up to half
      // their round trip. The last sample of the burst is one of them, so "newest wins" fails.
      onTimeSync: (_request, count) => (count === 5 ? 200 : count % 2 === 0 ? Math.random() * 200 : 0),
    });
    const client = h.client(peer, { clockSyncPreciseRoundTripMs: 0 }); // the full burst, whatever the round trips
    const clock = record(client, 'clock');
    await client.connect();
    await client.join();
    await eventually(() => expect(clock).toHaveLength(6)); // the join reply + a burst of 5
    expect(peer.timeSyncs).toHaveLength(5);

    expect(Math.abs(client.serverNow() - peer.serverNow())).toBeLessThan(50);
    expect(Math.abs(client.clockOffsetMs - 3 * HOUR)).toBeLessThan(50);
    const remaining = client.remainingMs()!;
    expect(Math.abs(remaining - (peer.deadline! - peer.serverNow()))).toBeLessThan(1_000);
    expect(remaining).toBeGreaterThan(TEN_MINUTES - 2_000);
    expect(client.deadline).toBe(peer.deadline);
  });

  it('gets remainingMs right when the local clock is hours off too', async () => {
    const peer = await h.peer({ clockShiftMs: 3 * HOUR, durationMs: TEN_MINUTES });
    const client = await h.joined(peer, { now: () => Date.now() - 5 * HOUR });
    expect(Math.abs(client.clockOffsetMs - 8 * HOUR)).toBeLessThan(50);
    expect(Math.abs(client.serverNow() - peer.serverNow())).toBeLessThan(50);
    expect(Math.abs(client.remainingMs()! - (peer.deadline! - peer.serverNow()))).toBeLessThan(1_000);
  });

  it('samples every clockSyncIntervalMs after the burst, and bursts again after a rejoin', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { clockSyncIntervalMs: 400, clockSyncPreciseRoundTripMs: 0 });
    await eventually(() => expect(peer.timeSyncs.length).toBeGreaterThanOrEqual(7));
    const gaps = (from: number, count: number) => peer.timeSyncs.slice(from, from + count + 1).map((sync, i, all) => (i === 0 ? 0 : sync.at - all[i - 1]!.at)).slice(1);
    // a burst of 5 about 100 ms apart, then the interval
    for (const gap of gaps(0, 4)) expect(gap).toBeLessThan(300);
    for (const gap of gaps(4, 2)) expect(gap).toBeGreaterThanOrEqual(390);

    // the disconnect stops the loop; the rejoin starts a new burst
    const joined = record(client, 'joined');
    const before = peer.timeSyncs.length;
    peer.dropConnections();
    await eventually(() => expect(joined).toHaveLength(1));
    await eventually(() => expect(peer.timeSyncs.length).toBeGreaterThanOrEqual(before + 5));
    for (const gap of gaps(before, 4)) expect(gap).toBeLessThan(300);
  });

  it('ends the burst at the first precise sample, and keeps sampling while the round trips are slow', async () => {
    const fast = await h.peer();
    const client = await h.joined(fast, { clockSyncIntervalMs: 400 });
    await eventually(() => expect(fast.timeSyncs.length).toBeGreaterThanOrEqual(3));
    const gaps = fast.timeSyncs.map((sync, i, all) => (i === 0 ? 0 : sync.at - all[i - 1]!.at)).slice(1);
    // one exchange after the join was precise (loopback): straight to the interval
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(390);
    await client.close();

    // join and sync replies held 120 ms: no sample is precise, so the whole burst of 5 goes out
    const slow = await h.peer({ onTimeSync: () => 120, joinDelayMs: 120 });
    const slowClient = await h.joined(slow, { clockSyncIntervalMs: 60_000 });
    await eventually(() => expect(slow.timeSyncs).toHaveLength(5));
    await sleep(400);
    expect(slow.timeSyncs).toHaveLength(5);
    expect(Math.abs(slowClient.serverNow() - slow.serverNow())).toBeLessThan(80);
  });

  it('follows a server clock that steps by an hour mid-exam', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { clockSyncIntervalMs: 50 });
    await eventually(() => expect(peer.timeSyncs.length).toBeGreaterThanOrEqual(5));
    expect(Math.abs(client.clockOffsetMs)).toBeLessThan(50);
    peer.setOptions({ clockShiftMs: HOUR });
    await eventually(() => expect(Math.abs(client.serverNow() - peer.serverNow())).toBeLessThan(50));
  });

  it('stops sampling when closed', async () => {
    const peer = await h.peer();
    const client = await h.joined(peer, { clockSyncIntervalMs: 50 });
    await eventually(() => expect(peer.timeSyncs.length).toBeGreaterThanOrEqual(2));
    await client.close();
    const count = peer.timeSyncs.length;
    await sleep(250);
    expect(peer.timeSyncs).toHaveLength(count);
  });
});

describe('ClockSync', () => {
  it('keeps the lowest round trip: a slow sample with a wrong offset does not move the estimate', () => {
    const clock = new ClockSync();
    expect(clock.addSample(10_000, 10_010, 13_005)).toBe('kept'); // rtt 10 -> offset 3000
    expect(clock.offsetMs).toBe(3_000);
    // rtt 400: the server read its clock early, so the midpoint is 190 ms off (inside its ±200 bound)
    expect(clock.addSample(11_000, 11_400, 14_010)).toBe('kept');
    expect(clock.offsetMs).toBe(3_000);
    expect(clock.roundTripMs).toBe(10);
    expect(clock.addSample(12_000, 12_004, 15_004)).toBe('kept'); // rtt 4 -> offset 3002
    expect(clock.offsetMs).toBe(3_002);
  });

  it('ignores one sample that contradicts the estimate, but follows when the next one confirms a clock step', () => {
    const clock = new ClockSync();
    clock.addSample(1_000, 1_100, 5_050); // rtt 100 -> offset 4000
    expect(clock.addSample(2_000, 2_400, 9_999)).toBe('suspect'); // impossible for the same clocks
    expect(clock.offsetMs).toBe(4_000);
    expect(clock.addSample(3_000, 3_020, 7_030)).toBe('kept'); // consistent again: the outlier is forgotten
    expect(clock.offsetMs).toBe(4_020);

    // the local clock jumped back an hour: two agreeing samples in a row
    const jump = -3_600_000;
    const offset = 4_020 - jump; // server = local + offset from now on
    expect(clock.addSample(4_000 + jump, 4_050 + jump, 4_025 + jump + offset + 5)).toBe('suspect');
    expect(clock.offsetMs).toBe(4_020);
    expect(clock.addSample(5_000 + jump, 5_060 + jump, 5_030 + jump + offset - 10)).toBe('stepped');
    expect(clock.offsetMs).toBe(offset + 5); // the faster of the two
    expect(clock.roundTripMs).toBe(50);
  });

  it('forgets old samples so that drift is followed', () => {
    const clock = new ClockSync({ maxSamples: 3, maxAgeMs: 60_000, stepToleranceMs: 250 });
    clock.addSample(0, 2, 1_001); // the best round trip ever: offset 1000
    for (let i = 1; i <= 3; i++) clock.addSample(i * 1_000, i * 1_000 + 20, i * 1_000 + 10 + 1_000 + i * 10);
    expect(clock.roundTripMs).toBe(20); // pushed out by count
    expect(clock.offsetMs).toBe(1_030);

    const aged = new ClockSync({ maxSamples: 8, maxAgeMs: 60_000, stepToleranceMs: 250 });
    aged.addSample(0, 2, 1_001);
    aged.addSample(61_000, 61_050, 62_070); // offset 1045, rtt 50
    expect(aged.roundTripMs).toBe(50); // the 2 ms sample is older than a minute
    expect(aged.offsetMs).toBe(1_045);
  });

  it('refuses samples that cannot be right', () => {
    const clock = new ClockSync();
    expect(clock.addSample(2_000, 1_000, 5_000)).toBe('invalid');
    expect(clock.addSample(1_000, 2_000, Number.NaN)).toBe('invalid');
    expect(clock.hasEstimate).toBe(false);
    expect(clock.offsetMs).toBe(0);
  });
});
