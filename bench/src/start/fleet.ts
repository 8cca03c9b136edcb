import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkTs, stopChild, type Child } from '../answers/children.js';
import { addCounters, zeroStartCounters, type FromLoad, type StartCounters, type ToLoad } from './ipc.js';

const LOAD_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'load-process.ts');

type Of<T extends FromLoad['type']> = Extract<FromLoad, { type: T }>;

/** The P load processes of the start bench, addressed as one: send to all, wait for the same reply from all. */
export class StartFleet {
  private readonly latest: StartCounters[];
  private failure: Error | undefined;
  private readonly failureListeners = new Set<(err: Error) => void>();
  private closing = false;
  private loopDelayMs = 0;
  private ipcDelayMs = 0;

  private constructor(readonly members: Child[]) {
    this.latest = members.map(() => zeroStartCounters());
    members.forEach((child, i) => {
      child.proc.on('message', (m: FromLoad) => {
        if (m.type === 'progress' || m.type === 'lobby' || m.type === 'result') this.latest[i] = m.counters;
        if (m.type === 'progress') {
          this.loopDelayMs = Math.max(this.loopDelayMs, m.loopDelayMs);
          this.ipcDelayMs = Math.max(this.ipcDelayMs, Date.now() - m.sentAt);
        }
        if (m.type === 'error') this.fail(new Error(`${child.name}: ${m.message}`));
      });
      void child.exited.then((code) => {
        if (!this.closing) this.fail(new Error(`${child.name} exited unexpectedly (code ${code})`));
      });
    });
  }

  static async start(count: number): Promise<StartFleet> {
    const members = Array.from({ length: count }, (_, i) => forkTs(`load-${i + 1}`, 'load', LOAD_MODULE));
    const fleet = new StartFleet(members);
    const ready = await fleet.collect('ready', 60_000);
    if (ready.some((r) => r === undefined)) throw new Error('load processes did not start within 60 s');
    return fleet;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const listener of this.failureListeners) listener(err);
  }

  send(messages: ToLoad | ((index: number) => ToLoad)): void {
    this.members.forEach((child, i) => child.proc.send(typeof messages === 'function' ? messages(i) : messages));
  }

  /**
   * Waits for one message of `type` from every member, or until the timeout: then the members
   * that did not answer are `undefined` in the result. Rejects on a member's error or exit.
   */
  collect<T extends FromLoad['type']>(type: T, timeoutMs: number): Promise<Array<Of<T> | undefined>> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const got: Array<Of<T> | undefined> = this.members.map(() => undefined);
      const handlers = this.members.map((child, i) => {
        const handler = (m: FromLoad) => {
          if (m.type !== type) return;
          got[i] = m as Of<T>;
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
  totals(): StartCounters {
    const sum = zeroStartCounters();
    for (const c of this.latest) addCounters(sum, c);
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
      this.send({ type: 'close' });
      await this.collect('closed', 30_000);
    } catch {
      // stopped below either way
    }
    await Promise.all(this.members.map((c) => stopChild(c, 5000)));
  }
}
