import type { FeedEntry, ProtocolError, RosterSnapshot } from '@examhall/shared';

/**
 * - `connecting`: connect() called, no connection yet
 * - `connected`: connected, watch() not called yet
 * - `syncing`: connected, waiting for the roster snapshot (deltas are buffered meanwhile)
 * - `live`: snapshot in, deltas applied as they come
 * - `reconnecting`: the connection dropped; the client reconnects and re-watches by itself
 * - `refused`: the gateway refused the token for good (AUTH_INVALID, AUTH_EXPIRED...); setToken() and connect() again
 * - `closed`: close() was called
 */
export type ProctorConnectionState = 'idle' | 'connecting' | 'connected' | 'syncing' | 'live' | 'reconnecting' | 'refused' | 'closed';

export type ProctorClientEvents = {
  /** a (re)watch succeeded: the roster was replaced by this snapshot (rebuild views from it) */
  snapshot: [snapshot: RosterSnapshot];
  /** rows changed by one delta (or by the deltas buffered before a snapshot): candidate ids, each once */
  rows: [candidateIds: string[]];
  /** new feed lines, newest first (already in `feed`) */
  feed: [lines: FeedEntry[]];
  connection: [state: ProctorConnectionState, detail: string | undefined];
  /** a clock sample was taken; `offsetMs` is the current estimate */
  clock: [estimate: { offsetMs: number; roundTripMs: number | undefined }];
  draining: [notice: { reconnectInMs: number }];
  /** `server:error`, a malformed server frame, a refused watch or (re)connection */
  error: [error: ProtocolError];
};
