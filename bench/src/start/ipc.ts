/** Messages between the start-bench orchestrator (main.ts) and its load processes (load-process.ts). */

export interface CandidateTicket {
  candidateId: string;
  token: string;
}

/** Live counts of one load process (summed over the fleet for the progress line). */
export interface StartCounters {
  /** sockets connected right now */
  connected: number;
  /** join() resolved (any status) */
  joined: number;
  /** of those, with status 'lobby' and no paper: waiting for the signal as they should */
  lobby: number;
  connectErrors: number;
  joinErrors: number;
  /** joined, but not into the lobby (or the lobby reply carried a paper) */
  wrongStatus: number;
  /** `started` events with a non-null paper (first one per candidate) */
  papers: number;
  disconnects: number;
}

export const zeroStartCounters = (): StartCounters => ({
  connected: 0, joined: 0, lobby: 0, connectErrors: 0, joinErrors: 0, wrongStatus: 0, papers: 0, disconnects: 0,
});

export function addCounters(into: StartCounters, from: StartCounters): StartCounters {
  for (const key of Object.keys(into) as Array<keyof StartCounters>) into[key] += from[key];
  return into;
}

/** What one load process knows about one candidate when the orchestrator collects. */
export interface CandidateRecord {
  connectError?: string;
  joinError?: string;
  /** status of the join reply */
  joinStatus?: string;
  /** the join reply carried a paper (it must not, in the lobby) */
  joinHadPaper?: boolean;
  /** epoch ms (this machine's clock) at which the SDK's `started` event with a paper fired */
  paperAt?: number;
  /** epoch ms at which socket.io-client decoded the `exam:started` frame, before the SDK handled it */
  frameAt?: number;
  /** questions in that paper */
  questions?: number;
  /** client.remainingMs() right when the paper arrived */
  remainingMs?: number | null;
  /** the paper's startedAt (server epoch ms) */
  startedAt?: number | null;
}

export type FailureReason =
  | 'connect'
  | 'join'
  | 'not_lobby'
  | 'no_paper'
  | 'empty_paper'
  | 'bad_remaining'
  | 'wrong_started_at';

export interface OutcomeCheck {
  /** the signal's start time as startSitting returned it */
  startedAt: number;
  /** the sitting's duration: remainingMs() may not exceed it (plus a small tolerance) */
  durationMs: number;
}

export type ToLoad =
  | { type: 'prepare'; url: string; candidates: CandidateTicket[]; sourceIps: string[]; connectPerSec: number }
  /** after the signal: wait until every candidate has its paper (or failed) or until `waitUntil` (epoch ms), then report */
  | ({ type: 'collect'; t0: number; waitUntil: number } & OutcomeCheck)
  | { type: 'close' };

/** A compact per-process result: arrival times of the candidates that succeeded, failures by reason. */
export interface LoadResult {
  counters: StartCounters;
  /** epoch ms of each successful candidate's paper (the SDK's `started` event) */
  paperAt: Float64Array;
  /** epoch ms at which the same frames were decoded by socket.io-client (NaN where unknown) */
  frameAt: Float64Array;
  failures: Partial<Record<FailureReason, number>>;
  /** remainingMs() seen, min and max over the successful candidates */
  remainingMinMs: number | null;
  remainingMaxMs: number | null;
  errorSamples: string[];
  /** worst event-loop delay of the load process between the signal and the report */
  loopDelayMaxMs: number;
}

export type FromLoad =
  | { type: 'ready' }
  | { type: 'progress'; counters: StartCounters; loopDelayMs: number; sentAt: number }
  /** every candidate of this process finished connect+join (successfully or not) */
  | { type: 'lobby'; counters: StartCounters; rampMs: number }
  | ({ type: 'result' } & LoadResult)
  | { type: 'closed' }
  | { type: 'error'; message: string };
