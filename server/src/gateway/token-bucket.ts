/**
 * A token bucket that also keeps count of how far a sender overdraws it. `burst` frames pass at
 * once, refilled at `ratePerS`; a frame over the limit is refused but still overdraws the bucket
 * (debt, repaid at the same rate). A client that backs off on a refusal repays its debt; one that
 * keeps sending reaches `cutAfter` overdrawn frames and is cut.
 */
export type BucketVerdict = 'pass' | 'limited' | 'cut';

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    private readonly cutAfter: number,
    now: number,
    /** false: a refusal costs nothing (a budget, like the audit's rows a second, rather than a sender's debt) */
    private readonly overdraw = true,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now: number): BucketVerdict {
    const elapsedS = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsedS * this.ratePerS) - 1;
    if (this.tokens >= 0) return 'pass';
    if (!this.overdraw) this.tokens += 1;
    return -this.tokens >= this.cutAfter ? 'cut' : 'limited';
  }
}
