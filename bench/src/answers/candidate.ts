import { ExamClient, type AnswerRef } from '@examhall/client-sdk';
import { randomAnswer, type AnswerValue, type PaperQuestion } from '@examhall/shared';
import type { Counters } from './ipc.js';
import { Samples } from './stats.js';

/** Everything one load process measures, shared by its candidates. */
export interface LoadMetrics {
  counters: Counters;
  ackMs: Samples;
  commitMs: Samples;
  errorSamples: Set<string>;
}

/** How long one save may wait for its ack before the candidate moves on (the SDK keeps retrying it). */
const ACK_WAIT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 30_000;

interface AwaitingAck {
  questionId: string;
  /** known once saveAnswer resolved; the ack cannot arrive earlier (sending waits for the outbox write) */
  seq?: number;
  resolve: () => void;
}

/** One candidate: a real ExamClient, a random answering loop, and the bookkeeping for latencies. */
export class CandidateDriver {
  readonly client: ExamClient;
  attemptId: string | undefined;
  private questions: PaperQuestion[] = [];
  /** highest seq acknowledged as `queued`, per question: reported for the loss check */
  readonly ackedSeq = new Map<string, number>();
  /** sent but not yet covered by a commit: per question, (seq, start) in seq order */
  private readonly uncommitted = new Map<string, Array<{ seq: number; startedAt: number }>>();
  private readonly startedAt = new Map<string, number>(); // `${q}:${seq}` → call time, until acked
  private awaiting: AwaitingAck | undefined;
  private connected = false;
  /** latencies are recorded for saves started in [measureFrom, windowEndsAt]: the warm-up is left out */
  private measureFrom = 0;
  private windowEndsAt = Number.POSITIVE_INFINITY;

  constructor(
    url: string,
    token: string,
    localAddress: string,
    maxInFlight: number | undefined,
    private readonly m: LoadMetrics,
  ) {
    this.client = new ExamClient({
      url,
      token,
      transports: ['websocket'],
      ...(maxInFlight !== undefined ? { maxInFlight } : {}),
      // engine.io-client hands `localAddress` to `ws` (not in its typings): spreads source addresses over 127.0.0.0/8
      socketOptions: { localAddress } as Record<string, unknown>,
    });
    const c = this.client;
    c.on('connected', () => {
      if (!this.connected) m.counters.connected++;
      this.connected = true;
    });
    c.on('disconnected', () => {
      if (this.connected) m.counters.connected--;
      this.connected = false;
      m.counters.disconnects++;
    });
    c.on('queued', ({ questionId, seq }) => this.onQueued(questionId, seq));
    c.on('committed', ({ questionId, seq }) => this.onCommitted(questionId, seq));
    c.on('retrying', ({ error }) => {
      m.counters.retries++;
      this.noteError(`retry:${error.code}`);
    });
    c.on('rejected', ({ questionId, seq, error }) => {
      m.counters.rejected++;
      this.noteError(`rejected:${error.code}`);
      this.startedAt.delete(`${questionId}:${seq}`);
      if (this.awaiting?.questionId === questionId && this.awaiting.seq === seq) this.awaiting.resolve();
    });
    c.on('error', (error) => this.noteError(`error:${error.code}`));
    // every join reply (first join, rejoins, a lobby that opens) carries the current paper
    c.on('joined', (reply) => {
      if (reply.paper) this.questions = reply.paper.questions;
    });
  }

  /** connect + join; false (and counted) when either fails. */
  async start(): Promise<boolean> {
    try {
      await withTimeout(this.client.connect(), CONNECT_TIMEOUT_MS, 'connect');
    } catch (err) {
      this.m.counters.connectErrors++;
      this.noteError(`connect:${errorCode(err)}`);
      return false;
    }
    try {
      const reply = await this.client.join();
      this.attemptId = reply.attemptId;
      if (reply.paper) this.questions = reply.paper.questions;
      // a sitting in 'signal' mode keeps candidates in the lobby (no paper): they cannot answer yet
      else this.noteError(`join:no paper (${reply.status})`);
      this.m.counters.joined++;
      return true;
    } catch (err) {
      this.m.counters.joinErrors++;
      this.noteError(`join:${errorCode(err)}`);
      return false;
    }
  }

  /** Saves random answers until `endAt` (epoch ms), one awaiting its ack at a time, every `intervalMs` at most. */
  async answerUntil(measureFrom: number, endAt: number, intervalMs: number): Promise<void> {
    if (this.questions.length === 0) return;
    this.measureFrom = measureFrom;
    this.windowEndsAt = endAt;
    // candidates start at random phases so that paced runs do not send in lockstep
    let nextAt = Date.now() + (intervalMs > 0 ? Math.random() * intervalMs : 0);
    while (Date.now() < endAt) {
      if (intervalMs > 0) {
        const wait = nextAt - Date.now();
        if (wait > 0) await sleep(wait);
        if (Date.now() >= endAt) break;
        nextAt = Math.max(nextAt + intervalMs, Date.now()); // fall behind rather than burst to catch up
      } else {
        // Yield before the next save. Without it, with thousands of sockets per process, every ack
        // handled in libuv's poll phase sends a frame whose ack is ready by the next epoll_wait: the
        // poll phase then runs up to 48 x 1024 events in a row and timers (progress, SDK timeouts,
        // pacing) starve for seconds (seen: 14 s).
        await yieldToLoop();
      }
      const question = this.questions[Math.floor(Math.random() * this.questions.length)]!;
      await this.saveOne(question.id, randomValue(question));
    }
  }

  private async saveOne(questionId: string, value: AnswerValue): Promise<void> {
    // NaN during the warm-up: Samples ignores it, so those saves are counted but not timed
    const startedAt = Date.now() >= this.measureFrom ? performance.now() : Number.NaN;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const acked = new Promise<boolean>((resolve) => {
      this.awaiting = { questionId, resolve: () => resolve(true) };
      timer = setTimeout(() => resolve(false), ACK_WAIT_MS);
    });
    let ref: AnswerRef;
    try {
      ref = await this.client.saveAnswer(questionId, value);
    } catch (err) {
      clearTimeout(timer);
      this.awaiting = undefined;
      this.noteError(`save:${errorCode(err)}`);
      return;
    }
    this.m.counters.sent++;
    this.awaiting!.seq = ref.seq;
    this.startedAt.set(`${questionId}:${ref.seq}`, startedAt);
    let list = this.uncommitted.get(questionId);
    if (!list) this.uncommitted.set(questionId, (list = []));
    list.push({ seq: ref.seq, startedAt });
    const ok = await acked;
    clearTimeout(timer);
    this.awaiting = undefined;
    if (!ok) this.m.counters.ackTimeouts++;
  }

  private onQueued(questionId: string, seq: number): void {
    const key = `${questionId}:${seq}`;
    const startedAt = this.startedAt.get(key);
    if (startedAt === undefined) return; // a resend after a reconnect: counted the first time
    this.startedAt.delete(key);
    this.m.counters.acked++;
    const now = Date.now();
    if (now >= this.measureFrom && now <= this.windowEndsAt) this.m.counters.ackedInWindow++;
    this.m.ackMs.add(performance.now() - startedAt);
    if ((this.ackedSeq.get(questionId) ?? 0) < seq) this.ackedSeq.set(questionId, seq);
    if (this.awaiting?.questionId === questionId && this.awaiting.seq === seq) this.awaiting.resolve();
  }

  private onCommitted(questionId: string, seq: number): void {
    const list = this.uncommitted.get(questionId);
    if (!list) return;
    const now = performance.now();
    let covered = 0;
    while (covered < list.length && list[covered]!.seq <= seq) {
      this.m.commitMs.add(now - list[covered]!.startedAt);
      covered++;
    }
    if (covered === 0) return;
    list.splice(0, covered);
    this.m.counters.committed += covered;
  }

  async drain(timeoutMs: number): Promise<void> {
    if (this.attemptId === undefined) return;
    try {
      await this.client.waitUntilDrained(timeoutMs);
    } catch {
      this.m.counters.drainTimeouts++;
    }
  }

  private noteError(code: string): void {
    if (this.m.errorSamples.size < 20) this.m.errorSamples.add(code);
  }
}

/** A valid random answer for the question's type (shared generator), now and then a cleared one. */
export function randomValue(q: PaperQuestion): AnswerValue {
  return Math.random() < 0.02 ? null : randomAnswer(q);
}

function errorCode(err: unknown): string {
  return (err as { code?: string })?.code ?? (err as Error)?.message?.slice(0, 60) ?? String(err);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
  ]);
}
