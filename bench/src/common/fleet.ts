import { forkTs, stopChild, type Child } from '../common/children.js';

/** What every load process may send: its counters, its health, a fatal error, the close handshake. */
export type BaseFromLoad<C> =
  | { type: 'ready' }
  | { type: 'progress'; counters: C; loopDelayMs: number; sentAt: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

type Counted<C> = { type: string; counters?: C; loopDelayMs?: number; sentAt?: number; message?: string };

/**
 * The P load processes of a benchmark, addressed as one: send to all, wait for the same reply from
 * all, sum their latest counters. Shared by bench:answers and bench:start.
 */
export class LoadFleet<From extends Counted<C>, To extends object, C extends { [K in keyof C]: number }> {
  private readonly latest: C[];
  private failure: Error | undefined;
  private readonly failureListeners = new Set<(err: Error) => void>();
  private closing = false;
  private loopDelayMs = 0;
  private ipcDelayMs = 0;

  private constructor(readonly members: Child[], private readonly zero: () => C) {
    this.latest = members.map(() => zero());
    members.forEach((child, i) => {
      child.proc.on('message', (m: From) => {
        if (m.counters) this.latest[i] = m.counters;
        if (m.type === 'progress') {
          this.loopDelayMs = Math.max(this.loopDelayMs, m.loopDelayMs ?? 0);
          this.ipcDelayMs = Math.max(this.ipcDelayMs, Date.now() - (m.sentAt ?? Date.now()));
        }
        if (m.type === 'error') this.fail(new Error(`${child.name}: ${m.message}`));
      });
      void child.exited.then((code) => {
        if (!this.closing) this.fail(new Error(`${child.name} exited unexpectedly (code ${code})`));
      });
    });
  }

  /** Forks `count` processes running `modulePath` and waits until each said `ready`. */
  static async start<From extends Counted<C>, To extends object, C extends { [K in keyof C]: number }>(
    count: number,
    modulePath: string,
    zero: () => C,
    env?: NodeJS.ProcessEnv,
  ): Promise<LoadFleet<From, To, C>> {
    const members = Array.from({ length: count }, (_, i) => forkTs(`load-${i + 1}`, 'load', modulePath, [], env));
    const fleet = new LoadFleet<From, To, C>(members, zero);
    await fleet.collect('ready', 60_000);
    return fleet;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const listener of this.failureListeners) listener(err);
  }

  send(messages: To | ((index: number) => To)): void {
    this.members.forEach((child, i) => child.proc.send(typeof messages === 'function' ? (messages as (i: number) => To)(i) : messages));
  }

  /** One message of `type` from every member; rejects on a member's error or exit, or the timeout. */
  async collect<T extends From['type']>(type: T, timeoutMs: number): Promise<Array<Extract<From, { type: T }>>> {
    const got = await this.collectSome(type, timeoutMs);
    if (got.some((m) => m === undefined)) throw new Error(`load processes: no "${type}" within ${timeoutMs} ms`);
    return got as Array<Extract<From, { type: T }>>;
  }

  /** Like collect, but at the timeout it resolves with `undefined` for the members that did not answer. */
  collectSome<T extends From['type']>(type: T, timeoutMs: number): Promise<Array<Extract<From, { type: T }> | undefined>> {
    type Of = Extract<From, { type: T }>;
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const got: Array<Of | undefined> = this.members.map(() => undefined);
      const handlers = this.members.map((child, i) => {
        const handler = (m: From) => {
          if (m.type !== type) return;
          got[i] = m as Of;
          if (got.every(Boolean)) done(() => resolve(got));
        };
        child.proc.on('message', handler);
        return handler;
      });
      const onFailure = (err: Error) => done(() => reject(err));
      const timer = setTimeout(() => done(() => resolve(got)), timeoutMs);
      this.failureListeners.add(onFailure);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.failureListeners.delete(onFailure);
        this.members.forEach((child, i) => child.proc.off('message', handlers[i]!));
        settle();
      };
    });
  }

  /** Sum of the members' latest counters (progress arrives every second). */
  totals(): C {
    const sum = this.zero();
    for (const c of this.latest) for (const key of Object.keys(sum) as Array<keyof C>) (sum[key] as number) += c[key] as number;
    return sum;
  }

  /** Worst event-loop delay and progress-message delay reported since the last call. */
  takeHealth(): { loopDelayMs: number; ipcDelayMs: number } {
    const health = { loopDelayMs: Math.round(this.loopDelayMs), ipcDelayMs: this.ipcDelayMs };
    this.loopDelayMs = 0;
    this.ipcDelayMs = 0;
    return health;
  }

  async close(): Promise<void> {
    this.closing = true;
    try {
      this.send({ type: 'close' } as To);
      await this.collect('closed' as From['type'], 30_000);
    } catch {
      // stopped below either way
    }
    await Promise.all(this.members.map((c) => stopChild(c, 5000)));
  }
}
