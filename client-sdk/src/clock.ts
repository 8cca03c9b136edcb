import { TimeSyncReply, ackSchema, protocolError, type ProtocolError } from '@examhall/shared';
import { describeIssues } from './failures.js';

export interface ClockPolicy {
  /** only the newest samples take part, so a drifting local clock is followed */
  maxSamples: number;
  /** samples older than this (local time) are forgotten once a newer one arrives */
  maxAgeMs: number;
  /** slack on top of the error bounds before two samples count as contradicting each other */
  stepToleranceMs: number;
}

export const CLOCK_POLICY: ClockPolicy = { maxSamples: 8, maxAgeMs: 10 * 60_000, stepToleranceMs: 250 };

/** What one sample did to the estimate. */
export type SampleOutcome =
  /** not a usable sample (negative round trip, not a number) */
  | 'invalid'
  /** consistent with the estimate; kept (it may or may not be the best now) */
  | 'kept'
  /**
   * contradicts the best sample beyond both error bounds: either this sample is wrong or a clock
   * stepped. Ignored until a second sample confirms it; sample again soon.
   */
  | 'suspect'
  /** confirmed contradiction: a clock stepped (laptop woke up, NTP step...); older samples were dropped */
  | 'stepped';

interface Sample {
  offset: number;
  roundTrip: number;
  /** local time the reply arrived */
  at: number;
}

/**
 * Estimates the server clock NTP-style. For a request sent at local t0 and answered at local t1
 * with the server's time s, the offset is s − (t0 + t1) / 2, wrong by at most rtt / 2 (the server
 * read its clock somewhere between t0 and t1). So among the recent samples the one with the
 * smallest round trip wins. The server decides time; this only corrects what the candidate is
 * shown (countdowns), never what is accepted.
 */
export class ClockSync {
  private samples: Sample[] = [];
  private suspects: Sample[] = [];
  private best: Sample | undefined;

  constructor(private readonly policy: ClockPolicy = CLOCK_POLICY) {}

  get offsetMs(): number {
    return this.best?.offset ?? 0;
  }

  get roundTripMs(): number | undefined {
    return this.best?.roundTrip;
  }

  get hasEstimate(): boolean {
    return this.best !== undefined;
  }

  /** `sentAt`/`receivedAt` are local times around the request, `serverTime` what the reply carried. */
  addSample(sentAt: number, receivedAt: number, serverTime: number): SampleOutcome {
    const roundTrip = receivedAt - sentAt;
    if (!(roundTrip >= 0) || !Number.isFinite(roundTrip) || !Number.isFinite(serverTime)) return 'invalid';
    const sample: Sample = { offset: serverTime - (sentAt + receivedAt) / 2, roundTrip, at: receivedAt };
    let outcome: SampleOutcome = 'kept';
    if (this.best && this.contradicts(sample, this.best)) {
      // Two contradicting samples in a row that agree with each other: a clock stepped.
      const previous = this.suspects[this.suspects.length - 1];
      if (!previous || this.contradicts(sample, previous)) {
        this.suspects = [sample];
        return 'suspect';
      }
      this.samples = this.suspects;
      outcome = 'stepped';
    }
    this.suspects = [];
    this.samples.push(sample);
    this.samples = this.samples
      .filter((kept) => Math.abs(receivedAt - kept.at) <= this.policy.maxAgeMs)
      .slice(-this.policy.maxSamples);
    // smallest round trip wins; on a tie the fresher one
    this.best = this.samples.reduce<Sample | undefined>((best, kept) => (!best || kept.roundTrip <= best.roundTrip ? kept : best), undefined);
    return outcome;
  }

  private contradicts(a: Sample, b: Sample): boolean {
    return Math.abs(a.offset - b.offset) > (a.roundTrip + b.roundTrip) / 2 + this.policy.stepToleranceMs;
  }
}

const timeSyncAckSchema = ackSchema(TimeSyncReply);

export interface ClockSyncLoopOptions {
  now: () => number;
  /** one sample every this many ms after the burst */
  intervalMs: number;
  /** samples right after a (re)join */
  burst: number;
  /** the burst ends early once the best sample's round trip is at most this (0 = never) */
  preciseRoundTripMs: number;
  burstSpacingMs: number;
}

export interface ClockSyncLoopHooks {
  /** emits one `time:sync`; resolves with the raw ack, rejects on ack timeout or disconnect */
  request(clientSentAt: number): Promise<unknown>;
  sampled(outcome: SampleOutcome): void;
  malformed(error: ProtocolError): void;
}

/** Runs `time:sync` exchanges: a burst after every (re)join, then one every `intervalMs`. */
export class ClockSyncLoop {
  /** bumped by start() and stop(): replies and timers of an older run are ignored */
  private run = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly clock: ClockSync,
    private readonly options: ClockSyncLoopOptions,
    private readonly hooks: ClockSyncLoopHooks,
  ) {}

  start(): void {
    this.stop();
    this.step(this.run, this.options.burst);
  }

  stop(): void {
    this.run++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private step(run: number, burstLeft: number, checkingSuspect = false): void {
    void this.exchange(run).then((outcome) => {
      if (run !== this.run) return;
      // a suspect sample is checked once more right away instead of a minute later
      const suspect = outcome === 'suspect' && !checkingSuspect;
      const precise = this.options.preciseRoundTripMs > 0 && outcome !== undefined && outcome !== 'suspect' && (this.clock.roundTripMs ?? Infinity) <= this.options.preciseRoundTripMs;
      const inBurst = burstLeft > 1 && !precise;
      const inMs = inBurst || suspect ? this.options.burstSpacingMs : this.options.intervalMs;
      this.timer = setTimeout(() => this.step(run, Math.max(burstLeft - 1, 1), suspect), inMs);
    });
  }

  private async exchange(run: number): Promise<SampleOutcome | undefined> {
    const sentAt = this.options.now();
    let raw: unknown;
    try {
      raw = await this.hooks.request(sentAt);
    } catch {
      return undefined; // no ack: the next exchange tries again
    }
    const receivedAt = this.options.now();
    if (run !== this.run) return undefined;
    const parsed = timeSyncAckSchema.safeParse(raw);
    if (!parsed.success) {
      this.hooks.malformed(protocolError('MALFORMED_SERVER_FRAME', `malformed time:sync reply: ${describeIssues(parsed.error.issues)}`));
      return undefined;
    }
    // a refusal (e.g. a server that does not know time:sync) only costs precision
    if (!parsed.data.ok || parsed.data.data.clientSentAt !== sentAt) return undefined;
    const outcome = this.clock.addSample(sentAt, receivedAt, parsed.data.data.serverTime);
    this.hooks.sampled(outcome);
    return outcome;
  }
}
