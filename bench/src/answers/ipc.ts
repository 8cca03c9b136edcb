/** Messages between the orchestrator (main.ts) and its load processes (load-process.ts). */

export interface CandidateTicket {
  candidateId: string;
  token: string;
}

export interface Counters {
  /** sockets connected right now */
  connected: number;
  joined: number;
  connectErrors: number;
  joinErrors: number;
  /** saveAnswer calls that resolved (the answer is in the outbox) */
  sent: number;
  /** first `queued` event per sent (question, seq) */
  acked: number;
  /** of those, acks that arrived inside the timed window (the numerator of answers_per_s) */
  ackedInWindow: number;
  /** sent answers covered by a `committed` event */
  committed: number;
  rejected: number;
  retries: number;
  disconnects: number;
  /** saves whose ack did not come within the per-save wait (the candidate moved on) */
  ackTimeouts: number;
  /** candidates whose outbox was not empty when the drain timeout ran out */
  drainTimeouts: number;
  /** answers still in outboxes (not committed) */
  pending: number;
}

export const zeroCounters = (): Counters => ({
  connected: 0, joined: 0, connectErrors: 0, joinErrors: 0, sent: 0, acked: 0, ackedInWindow: 0, committed: 0,
  rejected: 0, retries: 0, disconnects: 0, ackTimeouts: 0, drainTimeouts: 0, pending: 0,
});

export type ToLoad =
  | { type: 'baseline'; url: string; sockets: number; sourceIps: string[]; connectPerSec: number; startAt: number; seconds: number }
  | { type: 'prepare'; url: string; candidates: CandidateTicket[]; sourceIps: string[]; connectPerSec: number; maxInFlight?: number }
  /** intervalMs 0 = as fast as the SDK allows, one save awaiting its ack per candidate */
  /** answers from startAt on; latencies and the rate count from measureFrom (after the warm-up) to endAt */
  | { type: 'go'; startAt: number; measureFrom: number; endAt: number; intervalMs: number; drainTimeoutMs: number }
  | { type: 'close' };

export type FromLoad =
  | { type: 'ready' }
  | { type: 'baseline-result'; roundtrips: number; windowMs: number; connected: number; errors: number }
  /** loopDelayMs: the load process's worst event-loop delay since the last progress (is the generator saturated?) */
  | { type: 'progress'; counters: Counters; loopDelayMs: number; sentAt: number }
  | { type: 'prepared'; counters: Counters }
  | {
      type: 'result';
      counters: Counters;
      ackMs: Float64Array;
      commitMs: Float64Array;
      /** per attempt: the highest seq that got a `queued` ack, per question */
      acked: Array<[attemptId: string, questions: Array<[questionId: string, seq: number]>]>;
      /** first few distinct error codes seen, for the summary */
      errorSamples: string[];
    }
  | { type: 'closed' }
  | { type: 'error'; message: string };
