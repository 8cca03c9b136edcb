import { ExamClient, type AnswerRef } from '@examhall/client-sdk';
import type { PaperQuestion } from '@examhall/shared';
import { randomValue } from '../answers/candidate.js';

const CONNECT_TIMEOUT_MS = 30_000;

/**
 * One candidate of the chaos suite: the real ExamClient (its outbox keeps every answer until it is
 * committed and resends after reconnects) saving a random answer every ~interval, and the record
 * the verification needs: per question the highest seq the server accepted (`queued` or
 * `committed`), the error codes seen, and when it was healthy again after a fault.
 */
export class ChaosCandidate {
  readonly client: ExamClient;
  attemptId: string | undefined;
  private questions: PaperQuestion[] = [];
  private joinedHere = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** highest seq the server accepted per question: this scenario, and the whole run */
  readonly acceptedInScenario = new Map<string, number>();
  readonly acceptedInRun = new Map<string, number>();
  private readonly committedSeq = new Map<string, number>();
  readonly errors = new Map<string, number>();
  disconnects = 0;
  saved = 0;
  acked = 0;
  private recoveryCheck: (() => void) | undefined;

  constructor(url: string, token: string, localAddress: string) {
    this.client = new ExamClient({
      url,
      token,
      transports: ['websocket'],
      // engine.io-client hands `localAddress` to `ws` (not in its typings): spreads source addresses over 127.0.0.0/8
      socketOptions: { localAddress } as Record<string, unknown>,
    });
    const c = this.client;
    c.on('disconnected', () => {
      this.joinedHere = false;
      this.disconnects++;
    });
    c.on('joined', (reply) => {
      this.joinedHere = true;
      if (reply.paper) this.questions = reply.paper.questions;
      // a rejoin reports what the server holds: the SDK drops outbox entries covered by it without
      // a `committed` event (e.g. enqueued by a gateway killed before it could ack)
      for (const { questionId, seq } of reply.answers) this.accept(questionId, seq);
      this.recoveryCheck?.();
    });
    c.on('queued', ({ questionId, seq }) => {
      this.acked++;
      this.accept(questionId, seq);
    });
    c.on('committed', ({ questionId, seq }) => {
      this.accept(questionId, seq);
      if ((this.committedSeq.get(questionId) ?? 0) < seq) this.committedSeq.set(questionId, seq);
      this.recoveryCheck?.();
    });
    c.on('outbox', ({ pending }) => {
      if (pending === 0) this.recoveryCheck?.();
    });
    c.on('retrying', ({ error }) => this.count(error.code));
    c.on('rejected', ({ error }) => this.count(`rejected:${error.code}`));
    c.on('error', (error) => this.count(error.code));
  }

  get connectedAndJoined(): boolean {
    return this.client.connected && this.joinedHere;
  }

  async start(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        this.client.connect(),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('connect timed out')), CONNECT_TIMEOUT_MS))),
      ]);
      const reply = await this.client.join();
      this.attemptId = reply.attemptId;
      if (reply.paper) this.questions = reply.paper.questions;
      return this.questions.length > 0;
    } catch (err) {
      this.count(`start:${(err as { code?: string }).code ?? (err as Error).message.slice(0, 40)}`);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Saves a random answer every intervalMs × [0.5, 1.5) until pause(); the SDK sends it when it can. */
  answerEvery(intervalMs: number): void {
    this.pause();
    const next = () => {
      this.timer = setTimeout(() => {
        void this.saveRandom().catch(() => undefined);
        next();
      }, intervalMs * (0.5 + Math.random()));
    };
    next();
  }

  saveNow(): void {
    void this.saveRandom().catch(() => undefined);
  }

  pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Forgets the previous scenario's acks and errors. */
  resetScenario(): void {
    this.acceptedInScenario.clear();
    this.errors.clear();
    this.disconnects = 0;
  }

  /**
   * Saves one probe answer now and resolves with the time (epoch ms) at which this candidate is
   * connected, joined, the probe (or a newer answer to its question) committed and the outbox
   * empty; undefined after `timeoutMs`. The probe proves the path works end to end after the
   * fault, whether or not this candidate noticed the fault yet.
   */
  async recoveredAfter(timeoutMs: number): Promise<number | undefined> {
    let probe: AnswerRef;
    try {
      probe = await this.saveRandom();
    } catch {
      return undefined;
    }
    return new Promise((resolve) => {
      const finish = (at: number | undefined) => {
        clearTimeout(giveUp);
        clearTimeout(slow);
        clearInterval(poll);
        this.recoveryCheck = undefined;
        resolve(at);
      };
      const check = () => {
        if (!this.connectedAndJoined || this.client.pendingCount() > 0) return;
        if ((this.committedSeq.get(probe.questionId) ?? 0) >= probe.seq) finish(Date.now());
      };
      const giveUp = setTimeout(() => finish(undefined), timeoutMs);
      // a candidate still not back after 5 s says why, in the log file
      const slow = setTimeout(() => this.explain(probe), 5000);
      // the events above cover every transition; the poll is a safety net, not the clock
      const poll = setInterval(check, 250);
      this.recoveryCheck = check;
      check();
    });
  }

  private explain(probe: AnswerRef): void {
    const waiting = [...this.client.answers()].filter(([, a]) => a.state !== 'committed').map(([q, a]) => `${q}#${a.seq}:${a.state}`);
    process.stderr.write(
      `slow: ${this.attemptId} connected=${this.client.connected} joined=${this.joinedHere} probe=${probe.questionId}#${probe.seq} committed=${this.committedSeq.get(probe.questionId) ?? 0} waiting=[${waiting.join(' ')}]\n`,
    );
  }

  async drain(timeoutMs: number): Promise<boolean> {
    try {
      await this.client.waitUntilDrained(timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  private async saveRandom(): Promise<AnswerRef> {
    const question = this.questions[Math.floor(Math.random() * this.questions.length)]!;
    const ref = await this.client.saveAnswer(question.id, randomValue(question));
    this.saved++;
    return ref;
  }

  private accept(questionId: string, seq: number): void {
    if ((this.acceptedInScenario.get(questionId) ?? 0) < seq) this.acceptedInScenario.set(questionId, seq);
    if ((this.acceptedInRun.get(questionId) ?? 0) < seq) this.acceptedInRun.set(questionId, seq);
  }

  private count(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}
