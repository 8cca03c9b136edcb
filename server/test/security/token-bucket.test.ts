import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../src/gateway/token-bucket.js';
import { loadConfig } from '../../src/config/config.js';

const run = (bucket: TokenBucket, frames: number, at: (i: number) => number) => {
  const verdicts = { pass: 0, limited: 0, cut: 0 };
  for (let i = 0; i < frames; i++) verdicts[bucket.take(at(i))]++;
  return verdicts;
};

describe('token bucket', () => {
  it('lets a burst through at once, then refills at the rate', () => {
    const bucket = new TokenBucket(10, 5, 100, 0);
    expect(run(bucket, 7, () => 0)).toEqual({ pass: 5, limited: 2, cut: 0 });
    // the 2 frames of debt are repaid first; after 1 s there is room again
    expect(bucket.take(1000)).toBe('pass');
  });

  it('never limits a sender that stays at the rate', () => {
    const bucket = new TokenBucket(20, 5, 10, 0);
    expect(run(bucket, 10_000, (i) => i * 50)).toEqual({ pass: 10_000, limited: 0, cut: 0 });
  });

  it('cuts a sender that keeps overdrawing, and one that backs off repays its debt instead', () => {
    const flood = new TokenBucket(20, 10, 50, 0);
    const verdicts = run(flood, 200, (i) => i); // 1000 frames/s
    expect(verdicts.pass).toBeGreaterThanOrEqual(10);
    expect(verdicts.limited).toBeGreaterThan(0);
    expect(verdicts.cut).toBeGreaterThan(0);

    const polite = new TokenBucket(20, 10, 50, 0);
    expect(run(polite, 40, () => 0)).toEqual({ pass: 10, limited: 30, cut: 0 });
    // it backs off for 3 s (60 tokens refilled, 30 of them repay the debt), then stays at the rate
    expect(run(polite, 1000, (i) => 3000 + i * 60)).toEqual({ pass: 1000, limited: 0, cut: 0 });
  });

  it('the defaults never limit a fast honest candidate: 20 answers/s bursts and a 200-answer resend', () => {
    const c = loadConfig({});
    const bucket = new TokenBucket(c.SOCKET_RATE_PER_S, c.SOCKET_BURST, c.SOCKET_FLOOD_CUT, 0);
    // a reconnect resends a 200-answer outbox at once, then 20 answers in one second, every 2 s, for an hour
    expect(run(bucket, 200, () => 0).pass).toBe(200);
    let t = 5000;
    let limited = 0;
    for (let burst = 0; burst < 1800; burst++, t += 2000) limited += run(bucket, 20, (i) => t + i * 50).limited;
    expect(limited).toBe(0);
  });

  it('the defaults never cut the SDK resending a whole 1,000-question outbox', () => {
    const c = loadConfig({});
    const bucket = new TokenBucket(c.SOCKET_RATE_PER_S, c.SOCKET_BURST, c.SOCKET_FLOOD_CUT, 0);
    // the SDK's in-flight window (64) past the burst is refused at once, then it sends one answer per 60 ms
    const first = run(bucket, c.SOCKET_BURST + 64, () => 0);
    expect(first).toEqual({ pass: c.SOCKET_BURST, limited: 64, cut: 0 });
    const rest = run(bucket, 1000, (i) => 100 + i * 60);
    expect(rest.cut).toBe(0);
    // the debt is repaid while it goes on: from then on every answer passes
    expect(run(bucket, 200, (i) => 100 + (1000 + i) * 60)).toEqual({ pass: 200, limited: 0, cut: 0 });
  });
});
