import { ActivityReport } from '@examhall/shared';

export type ActivityKind = ActivityReport['kind'];

/** Reports kept while offline; older ones are dropped first (they only inform proctors). */
export const MAX_HELD_ACTIVITY = 10;

export interface ActivityHooks {
  /** the attempt to report on, when this connection has joined it and it is not final; else undefined */
  joinedAttempt(): string | undefined;
  /** one `candidate:activity`: resolves with the raw ack, rejects on ack timeout or disconnect */
  send(report: ActivityReport): Promise<unknown>;
  /** bumped on every disconnect */
  generation(): number;
}

type Report = Omit<ActivityReport, 'attemptId'>;
/** `order` keeps reports put back after a disconnect in the order they were made */
type HeldReport = { report: Report; order: number };

/**
 * Navigation, focus and fullscreen signals for the proctors: best effort. Never persisted, never
 * retried after the server answered (whatever it answered), never an exception for the caller.
 * While the client is not joined the latest few wait in memory and go out after the next join;
 * a report cut off by a disconnect goes back to them.
 */
export class ActivityReporter {
  private readonly held: HeldReport[] = [];
  private made = 0;

  constructor(private readonly hooks: ActivityHooks) {}

  /** Reports held for the next join. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Returns false (and sends nothing) when the report does not fit the protocol. */
  report(kind: ActivityKind, questionId?: string): boolean {
    const candidate: Report = questionId === undefined ? { kind } : { kind, questionId };
    const valid = ActivityReport.omit({ attemptId: true }).safeParse(candidate);
    if (!valid.success) return false;
    this.held.push({ report: valid.data, order: this.made++ });
    this.flush();
    return true;
  }

  /** Sends what is held, if joined; call after every join. */
  flush(): void {
    if (this.held.length > MAX_HELD_ACTIVITY) this.held.splice(0, this.held.length - MAX_HELD_ACTIVITY);
    const attemptId = this.hooks.joinedAttempt();
    if (attemptId === undefined) return;
    for (const held of this.held.splice(0)) this.send(attemptId, held);
  }

  /** The attempt ended: nothing left is worth sending. */
  clear(): void {
    this.held.length = 0;
  }

  private send(attemptId: string, held: HeldReport): void {
    const generation = this.hooks.generation();
    const putBack = () => {
      this.held.push(held);
      this.held.sort((a, b) => a.order - b.order);
      if (this.held.length > MAX_HELD_ACTIVITY) this.held.splice(0, this.held.length - MAX_HELD_ACTIVITY);
    };
    let sent: Promise<unknown>;
    try {
      sent = this.hooks.send({ attemptId, ...held.report });
    } catch {
      putBack(); // not connected after all
      return;
    }
    sent.catch(() => {
      // Cut off by a disconnect: keep it for the next join. An ack timeout on a live connection
      // may mean the server has it: let it go.
      if (generation !== this.hooks.generation()) putBack();
    });
  }
}
