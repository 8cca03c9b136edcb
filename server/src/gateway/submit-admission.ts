import { ExamhallError } from '@examhall/shared';
import { metrics } from '../observability/metrics.js';

interface Waiter {
  admit: () => void;
  timer: NodeJS.Timeout;
}

/**
 * How many submits a gateway finalises at once. A submit holds a pooled Postgres connection for a
 * whole transaction; without a bound, a submit stampede (40,000 candidates ending together) queued
 * thousands of transactions behind the pool, every one timed out in the Postgres circuit breaker
 * (which then opened), the candidates retried and queued more, and almost none finished.
 * Beyond `maxInFlight` a submit waits its turn in a short FIFO queue (a waiting client does not
 * retry, which is what keeps a stampede from turning into a retry storm); when the queue is full,
 * or a submit waited `maxWaitMs`, it is refused with the retryable OVERLOADED and the SDK backs off.
 */
export class SubmitAdmission {
  private inFlight = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly maxInFlight: number, private readonly maxWaiting: number, private readonly maxWaitMs: number) {}

  /** True when a submit arriving now would be refused: checked before its payload is even parsed. */
  get full(): boolean {
    return this.inFlight >= this.maxInFlight && this.waiting.length >= this.maxWaiting;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxInFlight) await this.waitForTurn(); // the slot is handed over on admit
    else this.inFlight++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) {
        clearTimeout(next.timer);
        next.admit(); // the slot passes on: inFlight unchanged
      } else {
        this.inFlight--;
      }
    }
  }

  private waitForTurn(): Promise<void> {
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(this.refusal());
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        admit: resolve,
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.refusal());
        }, this.maxWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  refusal(): ExamhallError {
    metrics.submitsRefused.inc();
    return new ExamhallError('OVERLOADED', 'too many submits on this gateway; retry shortly');
  }
}
