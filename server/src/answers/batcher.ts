import { ExamhallError } from '@examhall/shared';
import type { Logger } from '../observability/logger.js';
import type { AnswerItem } from './queue.js';
import { CircuitOpenError } from '../store/breakers.js';

export interface BatcherOptions {
  maxAnswers: number;
  maxWaitMs: number;
  /** answers in the open batch plus those waiting for Redis; beyond it new answers get OVERLOADED */
  maxPending: number;
  enqueueTimeoutMs: number;
  /** puts one batch into Redis; resolves only once Redis accepted it */
  enqueue: (items: AnswerItem[]) => Promise<void>;
  logger: Logger;
}

interface Waiter {
  item: AnswerItem;
  resolve: () => void;
  reject: (err: ExamhallError) => void;
}

/**
 * Node-local answer batcher: collects answers for a few milliseconds (or N answers) and enqueues them
 * as one job. Each caller's promise settles only when its batch is in Redis — so `queued` is never
 * said before it is true — or with a retryable coded error.
 */
export class AnswerBatcher {
  private open: Waiter[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly flushes = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: BatcherOptions) {}

  get pending(): number {
    return this.open.length + this.inFlight;
  }

  submit(item: AnswerItem): Promise<void> {
    if (this.closed) return Promise.reject(new ExamhallError('OVERLOADED', 'gateway is shutting down'));
    if (this.pending >= this.options.maxPending) return Promise.reject(new ExamhallError('OVERLOADED'));
    return new Promise<void>((resolve, reject) => {
      this.open.push({ item, resolve, reject });
      if (this.open.length >= this.options.maxAnswers) this.flushNow();
      else if (!this.timer) this.timer = setTimeout(() => this.flushNow(), this.options.maxWaitMs);
    });
  }

  /** Flushes the open batch and waits for every batch in flight (used on shutdown). */
  async drain(): Promise<void> {
    this.flushNow();
    while (this.flushes.size > 0) await Promise.allSettled([...this.flushes]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.drain();
  }

  private flushNow(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.open.length === 0) return;
    const batch = this.open;
    this.open = [];
    const flush = this.send(batch);
    this.flushes.add(flush);
    void flush.finally(() => this.flushes.delete(flush));
  }

  private async send(batch: Waiter[]): Promise<void> {
    this.inFlight += batch.length;
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.enqueue(batch.map((w) => w.item)),
        new Promise<never>((_, reject) => {
          timeout = setTimeout(() => reject(new Error('enqueue timed out')), this.options.enqueueTimeoutMs);
        }),
      ]);
      for (const w of batch) w.resolve();
    } catch (err) {
      // The job may still land later; the SDK resends and the worker keeps the highest seq, so that is harmless.
      // an open circuit was logged once when it opened: not once per refused batch
      if (!(err instanceof CircuitOpenError)) {
        const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
        this.options.logger.warn({ err: reason, answers: batch.length }, 'answer batch not enqueued');
      }
      const error = new ExamhallError('QUEUE_UNAVAILABLE');
      for (const w of batch) w.reject(error);
    } finally {
      clearTimeout(timeout);
      this.inFlight -= batch.length;
    }
  }
}
