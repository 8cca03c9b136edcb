/**
 * A candidate for 40,000-socket runs: the real protocol (shared/'s event names, payloads and
 * protocol version) over LeanSocket, with the SDK's answering discipline — per-question seq
 * counting up from what the join reported, one save awaiting its ack, retryable refusals sent
 * again with the same seq, `answer:committed` tracked until every acked answer is stored — but no
 * outbox, no reconnection and no clock sync. It reports to the same counters as the SDK driver.
 */
import { EVENTS, NAMESPACES, PROTOCOL_VERSION, randomAnswer, type AnswerValue, type JoinReply, type PaperQuestion } from '@examhall/shared';
import type { LoadMetrics } from '../answers/candidate.js';
import { sleep } from '../answers/candidate.js';
import { LeanSocket, LeanSocketError } from './lean-socket.js';
import { SUBMIT_BACKOFF, backoffDelay } from '@examhall/client-sdk';

const CONNECT_TIMEOUT_MS = 30_000;
const ACK_TIMEOUT_MS = 30_000;
const SUBMIT_BUDGET_MS = 120_000;

type Ack = { ok: true; data: unknown } | { ok: false; error: { code: string; retryable: boolean } } | undefined;

export interface LoadCandidate {
  readonly attemptId: string | undefined;
  readonly ackedSeq: Map<string, number>;
  start(): Promise<boolean>;
  answerUntil(measureFrom: number, endAt: number, intervalMs: number): Promise<void>;
  drain(timeoutMs: number): Promise<void>;
  pendingCount(): number;
  submit(): Promise<void>;
  close(): Promise<void>;
}

export class LeanCandidate implements LoadCandidate {
  attemptId: string | undefined;
  readonly ackedSeq = new Map<string, number>();
  private readonly socket = new LeanSocket(NAMESPACES.candidate);
  private questions: PaperQuestion[] = [];
  private readonly seqs = new Map<string, number>();
  private readonly latest = new Map<string, { seq: number; value: AnswerValue }>();
  /** acked, not yet covered by `answer:committed`: per question, (seq, start) in seq order */
  private readonly uncommitted = new Map<string, Array<{ seq: number; startedAt: number }>>();
  private uncommittedCount = 0;
  /** highest seq per question that a commit notice covered */
  private readonly committedSeq = new Map<string, number>();
  private drained: (() => void) | undefined;
  private measureFrom = Number.POSITIVE_INFINITY;
  private closing = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly localAddress: string,
    private readonly m: LoadMetrics,
  ) {
    this.socket.onClose = () => {
      this.m.counters.connected--;
      if (!this.closing) this.m.counters.disconnects++;
    };
    this.socket.on(EVENTS.answerCommitted, (notice) => this.onCommitted(notice as { items?: Array<{ questionId: string; seq: number }> }));
  }

  async start(): Promise<boolean> {
    try {
      await this.socket.connect(this.url, { token: this.token }, this.localAddress, CONNECT_TIMEOUT_MS);
      this.m.counters.connected++;
    } catch (err) {
      this.m.counters.connectErrors++;
      this.noteError(`connect:${(err as LeanSocketError).code ?? (err as Error).message}`);
      return false;
    }
    const ack = (await this.socket.emitWithAck(EVENTS.join, { protocolVersion: PROTOCOL_VERSION }, ACK_TIMEOUT_MS)) as Ack;
    if (!ack?.ok) {
      this.m.counters.joinErrors++;
      this.noteError(`join:${ack ? ack.error.code : 'no ack'}`);
      return false;
    }
    const reply = ack.data as JoinReply;
    this.attemptId = reply.attemptId;
    this.questions = reply.paper?.questions ?? [];
    for (const a of reply.answers) {
      this.seqs.set(a.questionId, a.seq);
      this.latest.set(a.questionId, { seq: a.seq, value: a.value });
    }
    if (this.questions.length === 0) this.noteError(`join:no paper (${reply.status})`);
    this.m.counters.joined++;
    return true;
  }

  async answerUntil(measureFrom: number, endAt: number, intervalMs: number): Promise<void> {
    if (this.questions.length === 0) return;
    this.measureFrom = measureFrom;
    let nextAt = Date.now() + Math.random() * intervalMs; // random phases: no lockstep
    while (Date.now() < endAt && this.socket.open) {
      const wait = nextAt - Date.now();
      if (wait > 0) await sleep(wait);
      if (Date.now() >= endAt) break;
      nextAt = Math.max(nextAt + intervalMs, Date.now()); // fall behind rather than burst to catch up
      const question = this.questions[Math.floor(Math.random() * this.questions.length)]!;
      await this.save(question.id, Math.random() < 0.02 ? null : randomAnswer(question), endAt);
    }
  }

  /** One answer until it is acked: a retryable refusal or a lost ack is sent again with the same seq. */
  private async save(questionId: string, value: AnswerValue, giveUpAt: number): Promise<void> {
    const seq = (this.seqs.get(questionId) ?? 0) + 1;
    this.seqs.set(questionId, seq);
    this.latest.set(questionId, { seq, value });
    const timed = Date.now() >= this.measureFrom;
    const startedAt = performance.now();
    this.m.counters.sent++;
    for (let attempt = 0; ; attempt++) {
      const ack = (await this.socket.emitWithAck(EVENTS.answerSave, { attemptId: this.attemptId, questionId, seq, value }, ACK_TIMEOUT_MS)) as Ack;
      if (ack?.ok) {
        const now = Date.now();
        this.m.counters.acked++;
        if (now >= this.measureFrom && now <= giveUpAt) this.m.counters.ackedInWindow++;
        if (timed) this.m.ackMs.add(performance.now() - startedAt);
        this.ackedSeq.set(questionId, seq);
        if ((this.committedSeq.get(questionId) ?? 0) >= seq) {
          // the commit notice came first: ack and notice can arrive in one read, and this continuation runs after both
          this.m.counters.committed++;
          if (timed) this.m.commitMs.add(performance.now() - startedAt);
          return;
        }
        let list = this.uncommitted.get(questionId);
        if (!list) this.uncommitted.set(questionId, (list = []));
        list.push({ seq, startedAt: timed ? startedAt : Number.NaN });
        this.uncommittedCount++;
        return;
      }
      if (ack && !ack.error.retryable) {
        this.m.counters.rejected++;
        this.noteError(`rejected:${ack.error.code}`);
        return;
      }
      if (!ack) this.m.counters.ackTimeouts++;
      this.m.counters.retries++;
      if (ack) this.noteError(`retry:${ack.error.code}`);
      if (!this.socket.open || Date.now() > giveUpAt + 60_000) return;
      await sleep(backoffDelay(attempt)); // the SDK's own answer backoff (ANSWER_BACKOFF)
    }
  }

  private onCommitted(notice: { items?: Array<{ questionId: string; seq: number }> }): void {
    const now = performance.now();
    for (const { questionId, seq } of notice.items ?? []) {
      if ((this.committedSeq.get(questionId) ?? 0) < seq) this.committedSeq.set(questionId, seq);
      const list = this.uncommitted.get(questionId);
      if (!list) continue;
      let covered = 0;
      while (covered < list.length && list[covered]!.seq <= seq) this.m.commitMs.add(now - list[covered++]!.startedAt);
      list.splice(0, covered);
      this.uncommittedCount -= covered;
      this.m.counters.committed += covered;
    }
    if (this.uncommittedCount === 0) this.drained?.();
  }

  pendingCount(): number {
    return this.uncommittedCount;
  }

  /** Until every acked answer was reported committed, or the timeout. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.uncommittedCount === 0) return;
    const done = await Promise.race([new Promise<boolean>((r) => (this.drained = () => r(true))), sleep(timeoutMs).then(() => false)]);
    this.drained = undefined;
    if (!done) this.m.counters.drainTimeouts++;
  }

  /** Like the SDK: a lost ack or a retryable refusal is tried again (a submit is idempotent), for SUBMIT_BUDGET_MS in all. */
  async submit(): Promise<void> {
    const answers = [...this.latest].map(([questionId, a]) => ({ questionId, seq: a.seq, value: a.value }));
    const giveUpAt = Date.now() + SUBMIT_BUDGET_MS;
    for (let attempt = 0; ; attempt++) {
      const ack = (await this.socket.emitWithAck(EVENTS.submit, { attemptId: this.attemptId, answers }, ACK_TIMEOUT_MS)) as Ack;
      if (ack?.ok) return;
      const code = ack ? ack.error.code : 'ACK_TIMEOUT';
      if ((ack && !ack.error.retryable) || !this.socket.open || Date.now() > giveUpAt) throw Object.assign(new Error('submit refused'), { code });
      this.m.counters.retries++;
      this.noteError(`submit-retry:${code}`);
      await sleep(backoffDelay(attempt, SUBMIT_BACKOFF)); // the SDK's own submit backoff
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.socket.close();
  }

  private noteError(code: string): void {
    if (this.m.errorSamples.size < 20) this.m.errorSamples.add(code);
  }
}
