import { ExamClient, MemoryOutboxStorage } from '@examhall/client-sdk';
import { EVENTS, type JoinReply } from '@examhall/shared';
import type { CandidateRecord, StartCounters } from './ipc.js';

const CONNECT_TIMEOUT_MS = 30_000;

/** The minimum of a socket.io-client Socket we touch for the frame-arrival diagnostic. */
interface AnySocket {
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
}

/**
 * One candidate of the start bench: a real ExamClient (memory outbox) that connects, joins the
 * lobby and waits for its paper. It only records; main.ts decides what counts.
 */
export class LobbyCandidate {
  readonly client: ExamClient;
  readonly record: CandidateRecord = {};
  private connected = false;

  constructor(
    url: string,
    token: string,
    localAddress: string,
    private readonly counters: StartCounters,
    private readonly noteError: (code: string) => void,
  ) {
    this.client = new ExamClient({
      url,
      token,
      storage: new MemoryOutboxStorage(),
      transports: ['websocket'],
      // engine.io-client hands `localAddress` to `ws` (not in its typings): spreads source addresses over 127.0.0.0/8
      socketOptions: { localAddress } as Record<string, unknown>,
    });
    const c = this.client;
    c.on('connected', () => {
      if (!this.connected) counters.connected++;
      this.connected = true;
    });
    c.on('disconnected', (reason) => {
      if (this.connected) counters.connected--;
      this.connected = false;
      counters.disconnects++;
      noteError(`disconnect:${reason}`);
    });
    c.on('error', (error) => noteError(`error:${error.code}`));
    c.on('started', (reply) => this.onStarted(reply));
  }

  /** connect + join; the outcome lands in `record` and the counters. */
  async start(): Promise<void> {
    try {
      await withTimeout(this.client.connect(), CONNECT_TIMEOUT_MS, 'connect');
    } catch (err) {
      this.record.connectError = errorCode(err);
      this.counters.connectErrors++;
      this.noteError(`connect:${this.record.connectError}`);
      return;
    }
    this.watchFrames();
    try {
      const reply = await this.client.join();
      this.record.joinStatus = reply.status;
      this.record.joinHadPaper = reply.paper !== null;
      this.counters.joined++;
      if (reply.status === 'lobby' && reply.paper === null) this.counters.lobby++;
      else {
        this.counters.wrongStatus++;
        this.noteError(`join:status ${reply.status}${reply.paper ? ' with paper' : ''}`);
      }
    } catch (err) {
      this.record.joinError = errorCode(err);
      this.counters.joinErrors++;
      this.noteError(`join:${this.record.joinError}`);
    }
  }

  private onStarted(reply: JoinReply): void {
    if (!reply.paper || this.record.paperAt !== undefined) return;
    this.record.paperAt = Date.now();
    this.record.questions = reply.paper.questions.length;
    this.record.remainingMs = this.client.remainingMs();
    this.record.startedAt = reply.startedAt;
    this.counters.papers++;
  }

  /**
   * Diagnostic only: when socket.io-client decoded the `exam:started` frame, before the SDK parsed
   * and applied it. Reaches into the SDK's private connection (no public hook exists); if that
   * ever changes shape, the frame numbers are simply null.
   */
  private watchFrames(): void {
    const socket = (this.client as unknown as { connection?: { socket?: AnySocket } }).connection?.socket;
    if (typeof socket?.onAny !== 'function') return;
    // any-listeners run before the event's own listeners (socket.io-client Socket.emitEvent)
    socket.onAny((event) => {
      if (event === EVENTS.examStarted && this.record.frameAt === undefined) this.record.frameAt = Date.now();
    });
  }
}

function errorCode(err: unknown): string {
  return (err as { code?: string })?.code ?? (err as Error)?.message?.slice(0, 60) ?? String(err);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
  ]);
}
