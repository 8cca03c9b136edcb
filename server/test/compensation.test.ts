import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compensationSeconds, offlineWithin, outagesOf, type PresenceEvent } from '../src/proctor/compensation.js';

const T = 1_800_000_000_000;
const on = (sessionId: string, s: number): PresenceEvent => ({ sessionId, kind: 'connect', at: T + s * 1000 });
const off = (sessionId: string, s: number): PresenceEvent => ({ sessionId, kind: 'disconnect', at: T + s * 1000 });
/** offline seconds within [from, to] seconds after T */
const offline = (events: PresenceEvent[], from: number, to: number) => offlineWithin(events, T + from * 1000, T + to * 1000) / 1000;

describe('offline time within an interval', () => {
  it('counts a disconnect until the next connect', () => {
    expect(offline([on('a', 0), off('a', 10), on('b', 40)], 0, 100)).toBe(30);
  });

  it('counts until the end of the interval while still offline', () => {
    expect(offline([on('a', 0), off('a', 10)], 0, 100)).toBe(90);
  });

  it('never counts time before the first connect (a candidate who never came)', () => {
    expect(offline([], 0, 100)).toBe(0);
    expect(offline([on('a', 50)], 0, 100)).toBe(0);
    expect(offline([off('a', 5), on('a', 50), off('a', 60)], 0, 100)).toBe(40);
  });

  it('counts from `from` when the interval starts during an outage, and stops at `to`', () => {
    const events = [on('a', 0), off('a', 10), on('a', 50), off('a', 80), on('a', 95)];
    expect(offline(events, 20, 60)).toBe(30);
    expect(offline(events, 20, 90)).toBe(40);
    expect(offline(events, 0, 200)).toBe(55);
    expect(offline(events, 60, 70)).toBe(0);
  });

  it('ignores the disconnect of a device that another one replaced', () => {
    // tab a is replaced by tab b at 20; a's socket closes at 21; b stays
    expect(offline([on('a', 0), on('b', 20), off('a', 21)], 0, 100)).toBe(0);
    // ... then b drops at 30 and a new session c comes back at 45
    expect(offline([on('a', 0), on('b', 20), off('a', 21), off('b', 30), on('c', 45)], 0, 100)).toBe(15);
  });

  it('a disconnect seen twice counts once, from the first', () => {
    expect(offline([on('a', 0), off('a', 10), off('a', 12), on('a', 20)], 0, 100)).toBe(10);
  });

  it('a reconnect of the same session ends the outage', () => {
    expect(offline([on('a', 0), off('a', 10), on('a', 20), off('a', 30), on('a', 31)], 0, 100)).toBe(11);
  });

  it('sorts events by time, keeping the log order within the same millisecond', () => {
    expect(offline([on('a', 40), off('a', 10), on('a', 0)], 0, 100)).toBe(30);
    // disconnect and reconnect in the same millisecond: no outage
    expect(offline([on('a', 0), off('a', 10), on('a', 10)], 0, 100)).toBe(0);
  });

  it('is 0 for an empty or inverted interval', () => {
    expect(offline([on('a', 0), off('a', 1)], 50, 50)).toBe(0);
    expect(offline([on('a', 0), off('a', 1)], 60, 50)).toBe(0);
  });

  it('lists the outages, the last one open-ended', () => {
    expect(outagesOf([on('a', 0), off('a', 10), on('a', 20), off('a', 30)])).toEqual([
      { from: T + 10_000, to: T + 20_000 },
      { from: T + 30_000, to: Infinity },
    ]);
  });

  it('grants whole seconds, a started second counting', () => {
    expect(compensationSeconds(0)).toBe(0);
    expect(compensationSeconds(1)).toBe(1);
    expect(compensationSeconds(1000)).toBe(1);
    expect(compensationSeconds(1001)).toBe(2);
  });
});

/** The state, millisecond by millisecond: every event at or before t applies, in log order. */
function bruteForce(events: PresenceEvent[], from: number, to: number): number {
  const ordered = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e);
  let count = 0;
  for (let t = from; t < to; t++) {
    let current: string | null = null;
    let online = false;
    for (const e of ordered) {
      if (e.at > t) break;
      if (e.kind === 'connect') {
        current = e.sessionId;
        online = true;
      } else if (e.sessionId === current) online = false;
    }
    if (current !== null && !online) count++;
  }
  return count;
}

const eventsArb = fc.array(
  fc.record({ sessionId: fc.constantFrom('a', 'b', 'c'), kind: fc.constantFrom('connect' as const, 'disconnect' as const), at: fc.integer({ min: 0, max: 300 }) }),
  { maxLength: 25 },
);
const interval = fc.tuple(fc.integer({ min: -20, max: 320 }), fc.integer({ min: -20, max: 320 })).map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

describe('offline time: properties', () => {
  it('equals a millisecond-by-millisecond simulation', () => {
    fc.assert(
      fc.property(eventsArb, interval, (events, [from, to]) => {
        expect(offlineWithin(events, from, to)).toBe(bruteForce(events, from, to));
      }),
      { numRuns: 1000 },
    );
  });

  it('never exceeds the interval, and grows with it', () => {
    fc.assert(
      fc.property(eventsArb, interval, fc.nat(50), fc.nat(50), (events, [from, to], widenLeft, widenRight) => {
        const inner = offlineWithin(events, from, to);
        expect(inner).toBeGreaterThanOrEqual(0);
        expect(inner).toBeLessThanOrEqual(to - from);
        expect(offlineWithin(events, from - widenLeft, to + widenRight)).toBeGreaterThanOrEqual(inner);
      }),
      { numRuns: 1000 },
    );
  });

  it('adds up over adjacent intervals', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: -20, max: 320 }), fc.nat(200), fc.nat(200), (events, a, x, y) => {
        expect(offlineWithin(events, a, a + x) + offlineWithin(events, a + x, a + x + y)).toBe(offlineWithin(events, a, a + x + y));
      }),
      { numRuns: 1000 },
    );
  });

  it('does not depend on events after the interval', () => {
    fc.assert(
      fc.property(eventsArb, eventsArb, interval, (events, later, [from, to]) => {
        const after = later.map((e) => ({ ...e, at: to + e.at }));
        expect(offlineWithin([...events.filter((e) => e.at < to), ...after], from, to)).toBe(offlineWithin(events.filter((e) => e.at < to), from, to));
      }),
      { numRuns: 500 },
    );
  });
});
