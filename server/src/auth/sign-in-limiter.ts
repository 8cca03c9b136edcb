import { ExamhallError } from '@examhall/shared';
import type { RedisClient } from '../store/redis.js';

/** Sign-in attempts: wrong secrets allowed per account per window, and requests per address per minute. */
export const SIGN_IN_LIMITS = { failuresPerAccount: 5, accountWindowS: 15 * 60, requestsPerAddress: 30, addressWindowS: 60 };

/**
 * Counters in Redis shared by every process that signs people in: requests per address, and wrong
 * secrets per account (a candidate in a sitting, a proctor account). `kind` keeps the two sign-ins'
 * counters apart.
 */
export class SignInLimiter {
  constructor(private readonly redis: RedisClient, private readonly prefix: string, private readonly kind: string) {}

  private addressKey = (address: string) => `${this.prefix}:${this.kind}:address:${address}`;
  private accountKey = (account: string) => `${this.prefix}:${this.kind}:failures:${account}`;

  /** Counts this request against the address; throws SIGN_IN_RATE_LIMITED over either limit, REDIS_UNAVAILABLE when Redis cannot count. */
  async admit(address: string, account: string): Promise<void> {
    const [requests, failures] = await this.counts(this.addressKey(address), this.accountKey(account));
    if (requests > SIGN_IN_LIMITS.requestsPerAddress || failures >= SIGN_IN_LIMITS.failuresPerAccount) throw new ExamhallError('SIGN_IN_RATE_LIMITED');
  }

  async failed(account: string): Promise<void> {
    const key = this.accountKey(account);
    try {
      await this.redis.multi().incr(key).expire(key, SIGN_IN_LIMITS.accountWindowS).exec();
    } catch {
      // the wrong guess could not be counted: refuse it as unavailable, never as a bare 500
      throw new ExamhallError('REDIS_UNAVAILABLE', 'sign-in attempts cannot be counted; try again in a moment');
    }
  }

  private async counts(addressKey: string, accountKey: string): Promise<[number, number]> {
    const { redis } = this;
    const countAddress = () => redis.multi().incr(addressKey).expire(addressKey, SIGN_IN_LIMITS.addressWindowS, 'NX');
    try {
      if (redis.isCluster) {
        // the two keys hash to different slots: one transaction cannot hold both
        const [results, failures] = await Promise.all([countAddress().exec(), redis.get(accountKey)]);
        return [Number(results?.[0]?.[1] ?? 0), Number(failures ?? 0)];
      }
      const results = await countAddress().get(accountKey).exec();
      return [Number(results?.[0]?.[1] ?? 0), Number(results?.[2]?.[1] ?? 0)];
    } catch {
      // without the counters there is no rate limit: refuse rather than allow unlimited guessing, and
      // say so (503, retryable) instead of blaming the person for attempts they never made
      throw new ExamhallError('REDIS_UNAVAILABLE', 'sign-in attempts cannot be counted; try again in a moment');
    }
  }
}
