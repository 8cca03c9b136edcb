/**
 * A protocol peer for SDK tests: a real socket.io server on a free port that plays the gateway's
 * side of /candidate (handshake auth, join, answer:save acks, commit notices, time:sync, submit,
 * lobby start, attempt updates, pause and lock, proctor messages, activity reports, session
 * takeover). It is not the gateway; the end-to-end test
 * against the real server lives with the server.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import {
  EVENTS,
  NAMESPACES,
  attemptRoom,
  protocolError,
  type Ack,
  type ActivityReport,
  type AnswerQueued,
  type AnswerSaveRequest,
  type AttemptStatus,
  type AttemptUpdated,
  type ErrorCode,
  type JoinReply,
  type Paper,
  type ProctorMessage,
  type ProtocolError,
  type StoredAnswer,
  type SubmitReply,
  type SubmitRequest,
  type TimeSyncRequest,
} from '@examhall/shared';

export const PAPER: Paper = {
  examId: 'exam-1',
  examVersion: 1,
  title: 'Test paper',
  sections: [],
  questions: [{ id: 'q1', type: 'text', prompt: 'Why?', points: 1 }],
};

/** What the peer does with one exam:submit: finalise ('submit'), a given ack, or no ack at all. */
export type SubmitDecision = Ack<SubmitReply> | 'submit' | 'noack';

/** What the peer does with one answer:save: an ack, no ack at all, or hold the ack until released. */
export type SaveDecision = Ack<AnswerQueued> | 'queue' | 'noack' | 'hold';

export interface PeerOptions {
  /** refuse the handshake with this error (checked on every connection attempt) */
  refuse?: (attempt: number) => ProtocolError | undefined;
  /** decide each save; default 'queue' */
  onSave?: (request: AnswerSaveRequest, count: number) => SaveDecision;
  /** replace the join ack (for malformed replies and refusals) */
  onJoin?: (reply: JoinReply) => unknown;
  /** join acks are held this long (ms) after the reply, with its server time, was built */
  joinDelayMs?: number;
  /** added to the server's clock (join replies, time:sync, deadlines, updates) */
  clockShiftMs?: number;
  /** join replies say 'lobby' (no paper, no deadline) until startExam() */
  lobby?: boolean;
  /** from the start to the deadline, in ms; default one hour */
  durationMs?: number;
  /** delay (ms) of one time:sync ack, or no ack; the server time is read before the delay */
  onTimeSync?: (request: TimeSyncRequest, count: number) => number | 'noack';
  /** decide each submit; default 'submit' */
  onSubmit?: (request: SubmitRequest, count: number) => SubmitDecision;
  /** in the lobby: the planned start reported by join replies (server clock) */
  scheduledStart?: number;
  /** decide each candidate:activity; default `{ ok: true, data: { recorded: true } }` */
  onActivity?: (report: ActivityReport, count: number) => Ack<{ recorded: true }> | 'noack';
}

export interface ReceivedSave extends AnswerSaveRequest {
  socketId: string;
  connection: number;
}

export class GatewayPeer {
  readonly attemptId = randomUUID();
  readonly saves: ReceivedSave[] = [];
  /** what the join reply reports (the "database") */
  readonly stored = new Map<string, StoredAnswer>();
  /** accepted, not committed (the "queue"), highest seq per question */
  readonly queued = new Map<string, StoredAnswer>();
  readonly timeSyncs: Array<TimeSyncRequest & { at: number }> = [];
  readonly submits: SubmitRequest[] = [];
  readonly activities: Array<ActivityReport & { connection: number }> = [];
  joins = 0;
  connections = 0;
  handshakes = 0;
  status: AttemptStatus;
  startedAt: number | null;
  /** the deadline without the running pause (server clock) */
  deadline: number | null;
  pausedAt: number | null = null;
  /** a proctor holds the attempt: saves and submits are refused with ATTEMPT_LOCKED, the clock runs */
  locked = false;
  graceMs = 30_000;
  private readonly joined = new Set<string>();
  private readonly held: Array<() => void> = [];
  private readonly nsp: Namespace;

  private constructor(
    readonly io: Server,
    private readonly http: HttpServer,
    readonly url: string,
    private readonly options: PeerOptions,
  ) {
    this.nsp = io.of(NAMESPACES.candidate);
    this.nsp.use((socket, next) => {
      const refusal = this.options.refuse?.(this.handshakes++);
      if (!refusal) return next();
      const error = new Error(refusal.message) as Error & { data?: unknown };
      error.data = refusal;
      next(error);
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    this.status = options.lobby ? 'lobby' : 'in_progress';
    this.startedAt = options.lobby ? null : this.serverNow();
    this.deadline = options.lobby ? null : this.serverNow() + (options.durationMs ?? 3_600_000);
  }

  /** The peer's (possibly shifted) clock. */
  serverNow(): number {
    return Date.now() + (this.options.clockShiftMs ?? 0);
  }

  /** As the gateway reports it: while paused, the deadline if the pause ended now. */
  reportedDeadline(): number | null {
    if (this.deadline === null) return null;
    return this.pausedAt === null ? this.deadline : this.deadline + (this.serverNow() - this.pausedAt);
  }

  joinReply(): JoinReply {
    const lobby = this.status === 'lobby';
    return {
      attemptId: this.attemptId,
      status: this.status,
      paper: lobby ? null : PAPER,
      answers: [...this.stored.values()],
      startedAt: this.startedAt,
      scheduledStart: lobby ? (this.options.scheduledStart ?? null) : null,
      deadline: this.reportedDeadline(),
      graceMs: this.graceMs,
      paused: this.pausedAt !== null,
      locked: this.locked,
      serverTime: this.serverNow(),
    };
  }

  /**
   * The sitting starts: every joined socket of the attempt gets exam:started with its paper. Like
   * the gateway, the notice lists no answers (nothing can be answered in the lobby).
   */
  startExam(): void {
    this.status = 'in_progress';
    this.startedAt = this.serverNow();
    this.deadline = this.startedAt + (this.options.durationMs ?? 3_600_000);
    this.nsp.to(attemptRoom(this.attemptId)).emit(EVENTS.examStarted, { ...this.joinReply(), answers: [] });
  }

  pause(): AttemptUpdated {
    this.pausedAt ??= this.serverNow();
    return this.notifyUpdated('paused');
  }

  resume(): AttemptUpdated {
    if (this.pausedAt !== null && this.deadline !== null) this.deadline += this.serverNow() - this.pausedAt;
    this.pausedAt = null;
    return this.notifyUpdated('resumed');
  }

  extend(ms: number): AttemptUpdated {
    if (this.deadline !== null) this.deadline += ms;
    return this.notifyUpdated('extended');
  }

  lock(): AttemptUpdated {
    this.locked = true;
    return this.notifyUpdated('locked');
  }

  unlock(): AttemptUpdated {
    this.locked = false;
    return this.notifyUpdated('unlocked');
  }

  /** A proctor's message to the attempt's room. */
  message(text: string, audience: ProctorMessage['audience'] = 'candidate', id: string = randomUUID()): ProctorMessage {
    const message: ProctorMessage = { id, text, at: this.serverNow(), audience };
    this.nsp.to(attemptRoom(this.attemptId)).emit(EVENTS.proctorMessage, message);
    return message;
  }

  /** The attempt ends without a submit from this client (deadline job, proctor lock...). */
  finalise(status: 'auto_submitted' | 'terminated' | 'submitted'): AttemptUpdated {
    this.status = status;
    this.pausedAt = null;
    this.locked = false;
    return this.notifyUpdated(status);
  }

  notifyUpdated(reason: AttemptUpdated['reason']): AttemptUpdated {
    const final = this.status === 'submitted' || this.status === 'auto_submitted' || this.status === 'terminated';
    const update: AttemptUpdated = {
      attemptId: this.attemptId,
      status: this.status,
      deadline: final ? null : this.reportedDeadline(),
      graceMs: this.graceMs,
      paused: this.pausedAt !== null,
      locked: this.locked,
      reason,
      serverTime: this.serverNow(),
    };
    this.nsp.to(attemptRoom(this.attemptId)).emit(EVENTS.attemptUpdated, update);
    return update;
  }

  /**
   * Another device joined: session:replaced to every socket, then the gateway drops them, either
   * with a socket.io disconnect or by closing the transport (which socket.io would reconnect).
   */
  replaceSession(how: 'disconnect' | 'transport' = 'disconnect'): void {
    for (const socket of this.nsp.sockets.values()) {
      socket.emit(EVENTS.sessionReplaced, { attemptId: this.attemptId });
      if (how === 'disconnect') socket.disconnect(true);
      else socket.conn.close();
    }
  }

  static async start(options: PeerOptions = {}): Promise<GatewayPeer> {
    const http = createServer();
    const io = new Server(http, { transports: ['websocket', 'polling'] });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    return new GatewayPeer(io, http, `http://127.0.0.1:${port}`, options);
  }

  setOptions(options: PeerOptions): void {
    Object.assign(this.options, options);
  }

  socketCount(): number {
    return this.nsp.sockets.size;
  }

  /** Moves everything queued into the store and notifies the attempt's room. */
  commitQueued(): Array<{ questionId: string; seq: number }> {
    const items = [...this.queued.values()].map(({ questionId, seq }) => ({ questionId, seq }));
    for (const answer of this.queued.values()) this.store(answer);
    this.queued.clear();
    if (items.length > 0) this.notifyCommitted(items);
    return items;
  }

  notifyCommitted(items: Array<{ questionId: string; seq: number }>): void {
    this.nsp.to(attemptRoom(this.attemptId)).emit(EVENTS.answerCommitted, { attemptId: this.attemptId, items });
  }

  /** Stores silently, as if the commit notice was lost. */
  store(answer: StoredAnswer): void {
    const held = this.stored.get(answer.questionId);
    if (!held || held.seq < answer.seq) this.stored.set(answer.questionId, answer);
  }

  /** Sends a raw frame to every candidate socket (malformed frames, drain notices). */
  broadcast(event: string, payload: unknown): void {
    this.nsp.emit(event, payload);
  }

  /** The gateway lost its join state (e.g. restarted the session) but kept the connection. */
  forgetJoins(): void {
    this.joined.clear();
  }

  /** Cuts every connection at the transport level (like a dying node): socket.io reconnects by itself. */
  dropConnections(): void {
    for (const socket of this.nsp.sockets.values()) socket.conn.close();
  }

  releaseHeld(): void {
    for (const release of this.held.splice(0)) release();
  }

  savesFor(questionId: string): ReceivedSave[] {
    return this.saves.filter((save) => save.questionId === questionId);
  }

  async close(): Promise<void> {
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.http.closeAllConnections();
  }

  private onConnection(socket: Socket): void {
    const connection = ++this.connections;
    socket.on('disconnect', () => this.joined.delete(socket.id));
    socket.on(EVENTS.join, (_request: unknown, ack: (reply: unknown) => void) => {
      this.joins++;
      this.joined.add(socket.id);
      void socket.join(attemptRoom(this.attemptId));
      const reply = this.joinReply();
      const send = () => ack(this.options.onJoin ? this.options.onJoin(reply) : { ok: true, data: reply });
      if (this.options.joinDelayMs) setTimeout(send, this.options.joinDelayMs);
      else send();
    });
    socket.on(EVENTS.timeSync, (request: TimeSyncRequest, ack: (reply: unknown) => void) => {
      this.timeSyncs.push({ ...request, at: Date.now() });
      const serverTime = this.serverNow();
      const delay = this.options.onTimeSync?.(request, this.timeSyncs.length) ?? 0;
      if (delay === 'noack') return;
      const reply = { ok: true, data: { clientSentAt: request.clientSentAt, serverTime } };
      if (delay > 0) setTimeout(() => ack(reply), delay);
      else ack(reply);
    });
    socket.on(EVENTS.submit, (request: SubmitRequest, ack: (reply: unknown) => void) => {
      this.submits.push(request);
      if (!this.joined.has(socket.id)) return ack(failure('NOT_JOINED'));
      if (this.locked) return ack(failure('ATTEMPT_LOCKED'));
      const decision = this.options.onSubmit?.(request, this.submits.length) ?? 'submit';
      if (decision === 'noack') return;
      if (decision !== 'submit') return ack(decision);
      // the finalisation writes the client's map and whatever the queue holds
      for (const answer of [...this.queued.values(), ...request.answers]) this.store(answer);
      this.queued.clear();
      this.finalise('submitted'); // the room hears about it before this socket gets its ack
      ack({ ok: true, data: { status: 'submitted', submittedAt: this.serverNow() } });
    });
    socket.on(EVENTS.activity, (report: ActivityReport, ack: (reply: unknown) => void) => {
      this.activities.push({ ...report, connection });
      if (!this.joined.has(socket.id)) return ack(failure('NOT_JOINED'));
      const decision = this.options.onActivity?.(report, this.activities.length) ?? { ok: true, data: { recorded: true } };
      if (decision !== 'noack') ack(decision);
    });
    socket.on(EVENTS.answerSave, (request: AnswerSaveRequest, ack: (reply: unknown) => void) => {
      this.saves.push({ ...request, socketId: socket.id, connection });
      if (!this.joined.has(socket.id)) return ack(failure('NOT_JOINED'));
      if (this.status === 'lobby') return ack(failure('ATTEMPT_NOT_STARTED'));
      if (this.status !== 'in_progress') return ack(failure('ATTEMPT_CLOSED'));
      if (this.pausedAt !== null) return ack(failure('ATTEMPT_PAUSED'));
      if (this.locked) return ack(failure('ATTEMPT_LOCKED'));
      const decision = this.options.onSave?.(request, this.saves.length) ?? 'queue';
      if (decision === 'noack') return;
      const respond = () => ack(decision === 'queue' || decision === 'hold' ? this.queue(request) : decision);
      if (decision === 'hold') this.held.push(respond);
      else respond();
    });
  }

  private queue(request: AnswerSaveRequest): Ack<AnswerQueued> {
    const { questionId, seq, value } = request;
    const held = this.queued.get(questionId);
    if (!held || held.seq < seq) this.queued.set(questionId, { questionId, seq, value });
    return { ok: true, data: { status: 'queued', questionId, seq, receivedAt: Date.now() } };
  }
}

export function failure(code: ErrorCode, detail?: string): Ack<never> {
  return { ok: false, error: protocolError(code, detail) };
}

/** An unsigned JWT-shaped token: the SDK only reads its claims. */
export function fakeToken(claims: Record<string, unknown> = { sub: 'cand-1', sit: 'sit-1' }): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}.signature`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
