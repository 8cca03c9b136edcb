import { ExamhallError } from '@examhall/shared';
import { metrics } from '../observability/metrics.js';

/**
 * How many submits a gateway finalises at once. A submit holds a pooled Postgres connection for a
 * whole transaction; without a bound, a submit stampede (40,000 candidates ending together) queued
 * thousands of transactions behind the pool, every one timed out in the Postgres circuit breaker
 * (which then opened), the candidates retried and queued more, and almost none finished. Beyond the
 * bound a submit is refused at once with the retryable OVERLOADED: the SDK backs off and resends
 * (a submit is idempotent), while the admitted ones keep the pool busy with work that completes.
 */
export class SubmitAdmission {
  private inFlight = 0;

  constructor(private readonly max: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.max) {
      metrics.submitsRefused.inc();
      throw new ExamhallError('OVERLOADED', `${this.max} submits are being finalised on this gateway; retry shortly`);
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }
}
