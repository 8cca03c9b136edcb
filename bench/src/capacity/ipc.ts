/** Messages between the capacity orchestrator (main.ts) and its load processes (load-process.ts). */
import { zeroCounters as zeroAnswerCounters, type CandidateTicket, type Counters as AnswerCounters } from '../answers/ipc.js';

export type { CandidateTicket };

export interface Counters extends AnswerCounters {
  /** submit() calls that resolved with a final status */
  submitted: number;
  submitErrors: number;
  /** epoch ms of this process's last successful connect + join (0 = none yet): gives ramp_s */
  lastJoinAt: number;
}

export const zeroCounters = (): Counters => ({ ...zeroAnswerCounters(), submitted: 0, submitErrors: 0, lastJoinAt: 0 });

export type ToLoad =
  /** stampede: connect + auth + join every candidate of this share, `connectPerSec` at most, `maxOutstanding` handshakes at once */
  | { type: 'prepare'; url: string; client: 'lean' | 'sdk'; candidates: CandidateTicket[]; sourceIps: string[]; connectPerSec: number; maxOutstanding: number }
  /** answer phase: saves paced to `intervalMs` per candidate from startAt; latencies count from measureFrom to endAt */
  | { type: 'answer'; startAt: number; measureFrom: number; endAt: number; intervalMs: number; drainTimeoutMs: number }
  /** submit phase: every candidate submits once, at a random moment within [startAt, startAt + spreadMs] */
  | { type: 'submit'; startAt: number; spreadMs: number }
  | { type: 'close' };

export type FromLoad =
  | { type: 'ready' }
  /**
   * Every second. ackMs / commitMs / joinMs: the samples taken since the previous progress
   * message (the per-second plots); loopDelayMs: worst event-loop delay (is the generator saturated?).
   */
  | { type: 'progress'; counters: Counters; loopDelayMs: number; sentAt: number; ackMs: Float64Array; commitMs: Float64Array; joinMs: Float64Array; errorSamples: string[] }
  | { type: 'prepared'; counters: Counters; joinMs: Float64Array; errorSamples: string[] }
  | {
      type: 'answered';
      counters: Counters;
      ackMs: Float64Array;
      commitMs: Float64Array;
      /** per attempt: the highest seq that got a `queued` ack, per question */
      acked: Array<[attemptId: string, questions: Array<[questionId: string, seq: number]>]>;
      errorSamples: string[];
    }
  | { type: 'submitted'; counters: Counters; submitMs: Float64Array; errorSamples: string[] }
  | { type: 'closed' }
  | { type: 'error'; message: string };
