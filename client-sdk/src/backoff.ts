/**
 * Exponential backoff with full jitter: the delay is uniform in [0, min(max, base * 2^attempt)].
 * Full jitter spreads thousands of candidates retrying after the same blip instead of syncing them.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/** answer:save retries and rejoins */
export const ANSWER_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 10_000 };
/**
 * submit retries: a submit refused as OVERLOADED comes in a stampede (a whole sitting ending at
 * once), where short retries from every candidate are most of the gateways' load; the deadline's
 * auto-submit ends the attempt anyway if the budget runs out.
 */
export const SUBMIT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };
/** handshake retries after a refused connection (GATEWAY_FULL...): a handshake costs more than a frame */
export const CONNECT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000 };

export function backoffDelay(attempt: number, policy: BackoffPolicy = ANSWER_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
