/**
 * A protocol peer for proctor tests: a real socket.io server on a free port playing the gateway's
 * side of /proctor (handshake refusals, proctor:watch → snapshot, proctor:delta, proctor:action,
 * time:sync), optionally also serving a built web app over the same HTTP server. It is not the
 * gateway; it only speaks the protocol.
 */
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import {
  EVENTS,
  NAMESPACES,
  type ActionReply,
  type Alert,
  type FeedEntry,
  type ProctorAction,
  type ProctorDelta,
  type ProctorScope,
  type ProtocolError,
  type RosterRow,
  type RosterSnapshot,
} from '@examhall/shared';

export const SITTING = 'sit-1';

export interface ProctorPeerOptions {
  /** refuse the handshake with this error (checked on every connection attempt) */
  refuse?: (attempt: number) => ProtocolError | undefined;
  /** the watch ack; default a snapshot of `rows` */
  onWatch?: (socket: Socket, count: number) => unknown;
  /** the action ack ('noack': none at all); default every candidate target applied */
  onAction?: (action: ProctorAction) => unknown;
  /** added to the peer's clock */
  clockShiftMs?: number;
  /** serve this folder at /proctor/ */
  staticDir?: string;
  scope?: ProctorScope;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export class ProctorPeer {
  rows: RosterRow[] = [];
  feed: FeedEntry[] = [];
  sittingTitle = 'Teacher eligibility test, morning slot';
  scope: ProctorScope;
  readonly actions: ProctorAction[] = [];
  readonly handshakeTokens: unknown[] = [];
  watches = 0;
  timeSyncs = 0;
  connections = 0;
  private handshakes = 0;
  private http!: HttpServer;
  io!: Server;
  private nsp!: Namespace;

  private constructor(
    private port: number,
    private readonly options: ProctorPeerOptions,
  ) {
    this.scope = options.scope ?? { sittingId: SITTING, role: 'proctor', districts: [], centers: ['c1', 'c2'] };
  }

  static async start(options: ProctorPeerOptions = {}): Promise<ProctorPeer> {
    const peer = new ProctorPeer(0, options);
    await peer.listen();
    return peer;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  serverNow(): number {
    return Date.now() + (this.options.clockShiftMs ?? 0);
  }

  setOptions(options: Partial<ProctorPeerOptions>): void {
    Object.assign(this.options, options);
  }

  snapshot(): RosterSnapshot {
    const now = this.serverNow();
    return { scope: this.scope, sittingTitle: this.sittingTitle, takenAt: now, serverTime: now, rows: this.rows, feed: this.feed };
  }

  private readonly seqs = new Map<string, number>();

  /** The next delta for this center from this peer (`seq` counts per center, like the server's). */
  delta(centerId: string, patches: ProctorDelta['patches'], feed: FeedEntry[] = []): ProctorDelta {
    const seq = (this.seqs.get(centerId) ?? 0) + 1;
    this.seqs.set(centerId, seq);
    return { sittingId: this.scope.sittingId, centerId, sentAt: this.serverNow(), source: 'peer', seq, patches, feed };
  }

  /** Sends a frame (a delta by default) to every proctor socket. */
  send(payload: unknown, event: string = EVENTS.proctorDelta): void {
    this.nsp.emit(event, payload);
  }

  socketCount(): number {
    return this.nsp.sockets.size;
  }

  /** Cuts every connection at the transport level: socket.io reconnects by itself. */
  dropConnections(): void {
    for (const socket of this.nsp.sockets.values()) socket.conn.close();
  }

  /** A server-side disconnect, after which socket.io does not reconnect by itself. */
  disconnectAll(): void {
    this.nsp.disconnectSockets(true);
  }

  /** Stops and starts again on the same port, keeping the roster (a gateway restart). */
  async restart(downMs = 50): Promise<void> {
    await this.close();
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.listen();
  }

  async close(): Promise<void> {
    this.io.disconnectSockets(true);
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.http.closeAllConnections();
  }

  private async listen(): Promise<void> {
    this.http = createServer((req, res) => this.serveStatic(req, res));
    this.io = new Server(this.http, { transports: ['websocket', 'polling'], maxHttpBufferSize: 50e6 });
    this.nsp = this.io.of(NAMESPACES.proctor);
    this.nsp.use((socket, next) => {
      this.handshakeTokens.push((socket.handshake.auth as { token?: unknown }).token);
      const refusal = this.options.refuse?.(this.handshakes++);
      if (!refusal) return next();
      next(Object.assign(new Error(refusal.message), { data: refusal }));
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
    await new Promise<void>((resolve) => this.http.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.http.address() as AddressInfo).port;
  }

  private onConnection(socket: Socket): void {
    this.connections++;
    socket.on(EVENTS.proctorWatch, async (_request: unknown, ack: (reply: unknown) => void) => {
      const count = ++this.watches;
      ack(this.options.onWatch ? await this.options.onWatch(socket, count) : { ok: true, data: this.snapshot() });
    });
    socket.on(EVENTS.proctorAction, (action: ProctorAction, ack: (reply: unknown) => void) => {
      this.actions.push(action);
      const reply = this.options.onAction ? this.options.onAction(action) : { ok: true, data: applyAll(action) };
      if (reply !== 'noack') ack(reply);
    });
    socket.on(EVENTS.timeSync, (request: { clientSentAt: number }, ack: (reply: unknown) => void) => {
      this.timeSyncs++;
      ack({ ok: true, data: { clientSentAt: request.clientSentAt, serverTime: this.serverNow() } });
    });
  }

  private serveStatic(req: IncomingMessage, res: ServerResponse): void {
    const dir = this.options.staticDir;
    const path = (req.url ?? '/').split('?')[0]!;
    if (!dir || !path.startsWith('/proctor/')) return void res.writeHead(404).end();
    const relative = normalize(path.slice('/proctor/'.length) || 'index.html');
    const file = join(dir, relative);
    if (relative.startsWith('..') || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(readFileSync(file));
  }
}

export function applyAll(action: ProctorAction): ActionReply {
  const ids = 'candidates' in action.target ? action.target.candidates : [];
  return { kind: action.kind, applied: ids.length, failed: 0, outcomes: ids.map((candidateId) => ({ candidateId, ok: true })) };
}

const NAMES = ['Asha', 'Bala', 'Chitra', 'Deepak', 'Esha', 'Farhan', 'Gita', 'Harish', 'Indira', 'Jai', 'Kavya', 'Lakshmi', 'Manoj', 'Neha', 'Omkar', 'Priya'];
const SURNAMES = ['Rao', 'Iyer', 'Singh', 'Patel', 'Nair', 'Das', 'Gupta', 'Reddy', 'Khan', 'Joshi'];

export function candidateId(i: number): string {
  return `cand-${String(i).padStart(5, '0')}`;
}

/** `count` deterministic rows spread over `centers`, all in progress with a deadline in an hour. */
export function makeRows(count: number, centers: string[] = ['c1', 'c2'], now = Date.now()): RosterRow[] {
  return Array.from({ length: count }, (_, i): RosterRow => ({
    candidateId: candidateId(i),
    name: `${NAMES[i % NAMES.length]} ${SURNAMES[Math.floor(i / NAMES.length) % SURNAMES.length]}`,
    centerId: centers[Math.floor(i / 10) % centers.length]!,
    districtId: 'd1',
    attemptId: null,
    status: i % 10 === 9 ? 'lobby' : 'in_progress',
    online: i % 7 !== 0,
    onlineChangedAt: now - 60_000,
    currentQuestion: `q${(i % 40) + 1}`,
    answered: i % 40,
    questionCount: 40,
    lastSaveAt: now - (i % 300) * 1_000,
    deadline: i % 10 === 9 ? null : now + 3_600_000 - (i % 60) * 1_000,
    paused: false,
    locked: false,
    alerts: i % 50 === 0 ? [alert(i + 1, 'focus_lost', now, 3)] : [],
  }));
}

export function alert(id: number, kind: Alert['kind'], at: number, count = 1): Alert {
  return { id, kind, openedAt: at - 30_000, lastAt: at, count, detail: null };
}
