/**
 * Outage compensation: how long the server saw a candidate disconnected within an interval, from the
 * connects and disconnects gateways logged (presence_events). Pure; the action that grants the time
 * lives in actions.ts.
 *
 * The state machine, event by event in time order:
 *   never connected ──connect(s)──▶ online(current = s)
 *   online(current)  ──disconnect(current)──▶ offline      (the device that holds the attempt left)
 *   online(current)  ──disconnect(older)────▶ online       (a replaced device or tab left: ignored)
 *   any              ──connect(s)──▶ online(current = s)
 * Time before the first connect is not an outage the server saw (the candidate never came), so it
 * never counts.
 */

export interface PresenceEvent {
  sessionId: string;
  kind: 'connect' | 'disconnect';
  /** epoch ms, server clock */
  at: number;
}

/** An interval [from, to) of server time in which the candidate was offline. */
export interface Outage {
  from: number;
  to: number;
}

/**
 * The outages seen in `events` (in any order; ties keep their given order), the last one open-ended
 * (to = Infinity) when the candidate is still offline after the last event.
 */
export function outagesOf(events: readonly PresenceEvent[]): Outage[] {
  const ordered = [...events].sort((a, b) => a.at - b.at); // stable: same-ms events keep the log's order
  const outages: Outage[] = [];
  let current: string | null = null;
  let offlineSince: number | null = null;
  for (const e of ordered) {
    if (e.kind === 'connect') {
      if (offlineSince !== null) outages.push({ from: offlineSince, to: e.at });
      offlineSince = null;
      current = e.sessionId;
    } else if (current !== null && e.sessionId === current && offlineSince === null) {
      offlineSince = e.at;
    }
  }
  if (offlineSince !== null) outages.push({ from: offlineSince, to: Infinity });
  return outages;
}

/** Milliseconds the candidate was seen offline within [from, to) (0 when to ≤ from). */
export function offlineWithin(events: readonly PresenceEvent[], from: number, to: number): number {
  if (!(to > from)) return 0;
  let total = 0;
  for (const o of outagesOf(events)) {
    const start = Math.max(o.from, from);
    const end = Math.min(o.to, to);
    if (end > start) total += end - start;
  }
  return total;
}

/** Whole seconds to grant for an outage of `ms` (a started second counts). */
export function compensationSeconds(ms: number): number {
  return ms > 0 ? Math.ceil(ms / 1000) : 0;
}
