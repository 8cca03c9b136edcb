/** Messages between the chaos orchestrator (main.ts) and its load processes (load-process.ts). */
import type { CandidateTicket } from '../answers/ipc.js';

export interface ChaosCounters {
  /** sockets connected right now */
  connected: number;
  joined: number;
  /** answers saved into outboxes */
  saved: number;
  /** first `queued` ack per (question, seq) */
  acked: number;
  /** answers still in outboxes (not committed) */
  pending: number;
  disconnects: number;
}

export const zeroChaosCounters = (): ChaosCounters => ({ connected: 0, joined: 0, saved: 0, acked: 0, pending: 0, disconnects: 0 });

/** Per attempt, per question: [questionId, highest seq acked `queued` or `committed`]. */
export type AcceptedReport = Array<[attemptId: string, questions: Array<[questionId: string, seq: number]>]>;

export type ToChaosLoad =
  | { type: 'prepare'; url: string; candidates: CandidateTicket[]; sourceIps: string[]; connectPerSec: number }
  /** every candidate saves one random answer every ~intervalMs (jittered) until `pause` */
  | { type: 'answer'; intervalMs: number }
  /** every candidate saves one answer now: the fault then hits batches in flight */
  | { type: 'burst' }
  /** a scenario begins: forget the previous scenario's acks and errors */
  | { type: 'scenario-start' }
  /**
   * The fault is over (or, for a kill, happened) at `at` (epoch ms): each candidate saves one
   * probe answer at once and reports when it is connected, joined, its probe committed and its
   * outbox empty; gives up after `timeoutMs`.
   */
  | { type: 'fault-ended'; at: number; timeoutMs: number }
  /** stop saving and wait for outboxes to drain: the scenario's figures are then final */
  | { type: 'scenario-end'; drainTimeoutMs: number }
  /** the whole run: the highest accepted seq per question since the start, for the final check */
  | { type: 'totals' }
  | { type: 'close' };

export type FromChaosLoad =
  | { type: 'ready' }
  | { type: 'progress'; counters: ChaosCounters; loopDelayMs: number; sentAt: number }
  | { type: 'prepared'; counters: ChaosCounters }
  | { type: 'scenario-started'; counters: ChaosCounters }
  /** per candidate that recovered, ms from the fault's end; `unrecovered` gave up at the timeout */
  | { type: 'recovered'; counters: ChaosCounters; resumeMs: number[]; unrecovered: number }
  | {
      type: 'scenario-result';
      counters: ChaosCounters;
      accepted: AcceptedReport;
      /** error codes the candidates saw during the scenario, with counts */
      errors: Record<string, number>;
      disconnects: number;
      /** candidates whose outbox did not drain within the timeout */
      undrained: number;
    }
  | { type: 'totals'; counters: ChaosCounters; accepted: AcceptedReport }
  | { type: 'closed' }
  | { type: 'error'; message: string };
