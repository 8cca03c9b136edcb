import { BrokenCircuitError, CircuitState, IsolatedCircuitError, circuitBreaker, handleWhen, type CircuitBreakerPolicy, type IBreaker } from 'cockatiel';
import { ExamhallError } from '@examhall/shared';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { CIRCUIT_STATE_VALUE, circuitMetrics, type CircuitStateName } from '../observability/backpressure-metrics.js';

export type Dependency = 'redis' | 'postgres';
/** who calls the dependency: the gateway's answer queue, the gateway's own queries, the workers */
export type BreakerRole = 'answer-queue' | 'gateway' | 'worker';

export interface BreakerOptions {
  dependency: Dependency;
  role: BreakerRole;
  settings: Pick<Config, 'BREAKER_FAILURES' | 'BREAKER_WINDOW_MS' | 'BREAKER_COOLDOWN_MS'>;
  /** a call slower than this counts as a failure and is answered with the coded error */
  timeoutMs: number;
  /** the retryable code callers get while the dependency is failing or the circuit is open */
  unavailable: 'QUEUE_UNAVAILABLE' | 'STORE_UNAVAILABLE';
  /** which errors say "the dependency is unreachable" (others, e.g. a constraint violation, are the caller's business) */
  countsAsFailure: (err: unknown) => boolean;
  /** a cheap call (PING, SELECT 1) run after each cool-down, so the circuit closes even when no traffic comes */
  probe: () => Promise<unknown>;
  logger: Logger;
}

/**
 * A circuit breaker around one dependency for one role (cockatiel's CircuitBreakerPolicy).
 * K failures or timeouts in a row within the window open it; while open, calls fail at once with
 * the retryable coded error instead of waiting for timeouts; after the cool-down a probe goes
 * through (half-open) and its success closes it. Every transition is one log line and moves the
 * `examhall_circuit_state` gauge; refused calls log nothing.
 */
export class DependencyBreaker {
  private readonly policy: CircuitBreakerPolicy;
  private probeTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly closedListeners: Array<() => void> = [];
  readonly labels: { dependency: Dependency; role: BreakerRole };

  constructor(private readonly options: BreakerOptions) {
    const { settings } = options;
    this.labels = { dependency: options.dependency, role: options.role };
    this.policy = circuitBreaker(
      handleWhen((err) => err instanceof DependencyTimeout || options.countsAsFailure(err)),
      { breaker: new ConsecutiveInWindow(settings.BREAKER_FAILURES, settings.BREAKER_WINDOW_MS), halfOpenAfter: settings.BREAKER_COOLDOWN_MS },
    );
    this.policy.onStateChange((state) => this.transitioned(state));
    circuitMetrics.state.set(this.labels, CIRCUIT_STATE_VALUE.closed);
  }

  get state(): CircuitStateName {
    return stateName(this.policy.state);
  }

  /** Runs one call through the breaker; an unreachable dependency becomes the retryable coded error. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    // cockatiel makes calls that arrive while the probe runs wait for it (up to the timeout); refuse them instead
    if (this.policy.state === CircuitState.HalfOpen) throw new CircuitOpenError(this.options.unavailable, `${this.options.dependency} circuit half-open`);
    try {
      return await this.policy.execute(() => withTimeout(work(), this.options.timeoutMs, this.labels));
    } catch (err) {
      if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
        throw new CircuitOpenError(this.options.unavailable, `${this.options.dependency} circuit open`);
      }
      // the client hears what happened, not the internal address (the transition log line has the raw reason)
      if (err instanceof DependencyTimeout || this.options.countsAsFailure(err)) {
        const detail = err instanceof DependencyTimeout ? 'did not answer in time' : 'unreachable';
        throw Object.assign(new ExamhallError(this.options.unavailable, `${this.options.dependency} ${detail}`), { cause: err });
      }
      throw err;
    }
  }

  /** The error run() throws while the dependency is unreachable (for callers that back off on it). */
  isUnavailable(err: unknown): boolean {
    return err instanceof ExamhallError && err.code === this.options.unavailable;
  }

  get cooldownMs(): number {
    return this.options.settings.BREAKER_COOLDOWN_MS;
  }

  /** Called each time the circuit closes after it was open (the dependency is back). */
  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.probeTimer);
  }

  private transitioned(state: CircuitState): void {
    const name = stateName(state);
    circuitMetrics.state.set(this.labels, CIRCUIT_STATE_VALUE[name]);
    circuitMetrics.transitions.inc({ ...this.labels, to: name });
    const { logger } = this.options;
    if (name === 'open') {
      const failure = this.policy.lastFailure;
      const reason = failure && 'error' in failure ? (failure.error as Error).message : undefined;
      logger.warn({ ...this.labels, reason, retryInMs: this.cooldownMs }, 'circuit opened: calls are refused at once');
      this.scheduleProbe();
    } else if (name === 'half_open') {
      logger.info(this.labels, 'circuit half-open: probing');
    } else {
      logger.info(this.labels, 'circuit closed: dependency is back');
      for (const listener of this.closedListeners) listener();
    }
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    if (this.stopped) return;
    // a little after the cool-down: cockatiel lets the first call after it through as the probe
    this.probeTimer = setTimeout(() => void this.run(this.options.probe).catch(() => undefined), this.cooldownMs + 10);
    this.probeTimer.unref();
  }
}

function stateName(state: CircuitState): CircuitStateName {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half_open';
  return 'open';
}

/**
 * Opens after `threshold` failures in a row, all within `windowMs` of the first: a failure long after
 * the last one starts a new run, so rare unrelated blips never add up to an open circuit.
 */
export class ConsecutiveInWindow implements IBreaker {
  state = { failures: 0, since: 0 };
  constructor(
    private readonly threshold: number,
    private readonly windowMs: number,
  ) {}

  success(): void {
    this.state = { failures: 0, since: 0 };
  }

  failure(): boolean {
    const now = Date.now();
    if (this.state.failures === 0 || now - this.state.since > this.windowMs) this.state = { failures: 0, since: now };
    return ++this.state.failures >= this.threshold;
  }
}

/** Refused without calling the dependency: the breaker already said so once, in its transition log line. */
export class CircuitOpenError extends ExamhallError {
  override name = 'CircuitOpenError';
}

export class DependencyTimeout extends Error {
  override name = 'DependencyTimeout';
}

/** The call keeps running after the timeout (neither Redis nor Postgres can take it back); its outcome is ignored. */
function withTimeout<T>(work: Promise<T>, ms: number, labels: DependencyBreaker['labels']): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DependencyTimeout(`${labels.dependency} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Postgres errors that mean "unreachable or refusing connections", not "your statement is wrong". */
const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  // postgres.js's own
  'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED', 'CONNECT_TIMEOUT',
  // SQLSTATE: admin/crash shutdown, cannot connect now, too many connections
  '57P01', '57P02', '57P03', '53300',
]);

export function isPostgresUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  // SQLSTATE class 08: connection exception
  return typeof code === 'string' && (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

/** Every Redis error on the answer path is an availability problem (connection, OOM, read-only replica...). */
export const isRedisFailure = (err: unknown): boolean => err instanceof Error && !(err instanceof ExamhallError);

/** Breakers of one node, for /readyz. */
export function openBreakers(breakers: DependencyBreaker[]): string[] {
  return breakers.filter((b) => b.state !== 'closed').map((b) => `${b.labels.dependency}/${b.labels.role}`);
}

type BreakerConfig = BreakerOptions['settings'] & Pick<Config, 'ENQUEUE_TIMEOUT_MS' | 'BREAKER_GATEWAY_PG_TIMEOUT_MS' | 'BREAKER_WORKER_PG_TIMEOUT_MS'>;

/** The gateway's breaker around the answer queue's Redis writes; refusals are QUEUE_UNAVAILABLE. */
export function answerQueueBreaker(config: BreakerConfig, redis: { ping: () => Promise<unknown> }, logger: Logger): DependencyBreaker {
  return new DependencyBreaker({
    dependency: 'redis',
    role: 'answer-queue',
    settings: config,
    timeoutMs: config.ENQUEUE_TIMEOUT_MS,
    unavailable: 'QUEUE_UNAVAILABLE',
    countsAsFailure: isRedisFailure,
    probe: () => redis.ping(),
    logger,
  });
}

/** A breaker around Postgres for the gateway's queries or the workers' writes; refusals are STORE_UNAVAILABLE. */
export function postgresBreaker(role: 'gateway' | 'worker', config: BreakerConfig, sql: { unsafe: (q: string) => PromiseLike<unknown> }, logger: Logger): DependencyBreaker {
  return new DependencyBreaker({
    dependency: 'postgres',
    role,
    settings: config,
    timeoutMs: role === 'gateway' ? config.BREAKER_GATEWAY_PG_TIMEOUT_MS : config.BREAKER_WORKER_PG_TIMEOUT_MS,
    unavailable: 'STORE_UNAVAILABLE',
    countsAsFailure: isPostgresUnavailable,
    probe: async () => sql.unsafe('SELECT 1'),
    logger,
  });
}
