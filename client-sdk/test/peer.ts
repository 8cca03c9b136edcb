/**
 * A protocol peer for SDK tests: a real socket.io server on a free port that plays the gateway's
 * side of /candidate (handshake auth, join, answer:save acks, commit notices). It is not the
 * gateway; the end-to-end test against the real server lives with the server.
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
  type AnswerQueued,
  type AnswerSaveRequest,
  type ErrorCode,
  type JoinReply,
  type ProtocolError,
  type StoredAnswer,
} from '@examhall/shared';

/** What the peer does with one answer:save: an ack, no ack at all, or hold the ack until released. */
export type SaveDecision = Ack<AnswerQueued> | 'queue' | 'noack' | 'hold';

export interface PeerOptions {
  /** refuse the handshake with this error (checked on every connection attempt) */
  refuse?: (attempt: number) => ProtocolError | undefined;
  /** decide each save; default 'queue' */
  onSave?: (request: AnswerSaveRequest, count: number) => SaveDecision;
  /** replace the join ack (for malformed replies and refusals) */
  onJoin?: (reply: JoinReply) => unknown;
  /** added to the server's clock in join replies */
  clockShiftMs?: number;
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
  joins = 0;
  connections = 0;
  handshakes = 0;
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
      const reply: JoinReply = {
        attemptId: this.attemptId,
        status: 'in_progress',
        paper: { examId: 'exam-1', examVersion: 1, title: 'Test paper', questions: [{ id: 'q1', type: 'text', prompt: 'Why?', points: 1 }] },
        answers: [...this.stored.values()],
        startedAt: Date.now(),
        deadline: Date.now() + 3_600_000,
        graceMs: 30_000,
        serverTime: Date.now() + (this.options.clockShiftMs ?? 0),
      };
      ack(this.options.onJoin ? this.options.onJoin(reply) : { ok: true, data: reply });
    });
    socket.on(EVENTS.answerSave, (request: AnswerSaveRequest, ack: (reply: unknown) => void) => {
      this.saves.push({ ...request, socketId: socket.id, connection });
      if (!this.joined.has(socket.id)) return ack(failure('NOT_JOINED'));
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
