import type { IncomingMessage } from 'node:http';
import { EVENTS, protocolError, type Ack, type ErrorCode, type ProtocolError } from '@examhall/shared';
import type { Server, Socket } from 'socket.io';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import type { Sql } from '../store/db.js';
import { addressResolver, type AddressResolver } from './client-address.js';
import { ConnectionsPerAddress, type EngineConnection } from './connections-per-address.js';
import { SecurityAudit, type RefusalSource, type SecurityRefusal } from './security-audit.js';
import { TokenBucket } from './token-bucket.js';

/** Codes refused inside a handler that an honest client never provokes: audited. */
const AUDITED_CODES: Partial<Record<ErrorCode, SecurityRefusal>> = {
  ATTEMPT_FORBIDDEN: 'attempt_forbidden',
  SCOPE_FORBIDDEN: 'scope_forbidden',
  ROLE_FORBIDDEN: 'role_forbidden',
};

/** A client ignoring TOO_MANY_CONNECTIONS is refused at the HTTP upgrade past this many times the limit. */
const HARD_LIMIT_FACTOR = 2;

/**
 * The gateway's defences against a misbehaving client, in one place: connections per address,
 * frames per socket (token bucket), and the audit rows of refusals an honest client never gets.
 */
export class SecurityGuards {
  readonly audit: SecurityAudit;
  private readonly connections: ConnectionsPerAddress;
  private readonly resolve: AddressResolver;

  constructor(private readonly config: Config, sql: Sql, logger: Logger) {
    this.audit = new SecurityAudit({ sql, logger });
    this.resolve = addressResolver(config.TRUSTED_PROXIES);
    this.connections = new ConnectionsPerAddress(this.resolve);
  }

  /** counts every engine.io connection of this server by address until it closes */
  watch(io: Server): void {
    io.engine.on('connection', (conn: EngineConnection) => this.connections.track(conn));
  }

  /** At the HTTP request (before the upgrade): a reason to refuse outright, or null. */
  refuseRequest(req: IncomingMessage): 'TOO_MANY_CONNECTIONS' | null {
    const address = this.addressOfRequest(req);
    return this.connections.count(address) >= HARD_LIMIT_FACTOR * this.config.MAX_CONNECTIONS_PER_ADDRESS ? 'TOO_MANY_CONNECTIONS' : null;
  }

  originRefused(req: IncomingMessage): void {
    const address = this.addressOfRequest(req);
    this.audit.record('origin_not_allowed', { actor: `address:${address}` }, { origin: String(req.headers.origin).slice(0, 200) });
  }

  private addressOfRequest(req: IncomingMessage): string {
    return this.resolve(req.connection?.remoteAddress ?? '', req.headers['x-forwarded-for']); // uWS's request has `connection` only
  }

  /** In a namespace's middleware, before the token: a coded refusal when this address holds too many connections. */
  admit(socket: Socket): ProtocolError | null {
    const conn = socket.conn as unknown as EngineConnection;
    const address = this.connections.addressOf(conn);
    if (this.connections.count(address) <= this.config.MAX_CONNECTIONS_PER_ADDRESS) return null;
    this.audit.record('too_many_connections', { actor: `address:${address}` }, { namespace: socket.nsp.name, limit: this.config.MAX_CONNECTIONS_PER_ADDRESS });
    return protocolError('TOO_MANY_CONNECTIONS');
  }

  /** A token refused at the handshake: forged, tampered and revoked ones are audited (expired ones are honest). */
  authRefused(socket: Socket, error: ProtocolError): void {
    const kind = error.code === 'AUTH_INVALID' ? 'auth_invalid' : error.code === 'TOKEN_REVOKED' ? 'token_revoked' : undefined;
    if (!kind) return;
    const address = this.connections.addressOf(socket.conn as unknown as EngineConnection);
    this.audit.record(kind, { actor: `address:${address}` }, { namespace: socket.nsp.name, detail: error.detail ?? null });
  }

  /** For ackedHandlers: audits the refusals in AUDITED_CODES, with the frame's event. */
  onRefused(source: () => RefusalSource): (event: string, error: ProtocolError) => void {
    return (event, error) => {
      const kind = AUDITED_CODES[error.code];
      if (kind) this.audit.record(kind, source(), { event, detail: error.detail ?? null });
    };
  }

  /**
   * Every incoming frame takes a token. Over the limit the frame is answered with the retryable
   * RATE_LIMITED (its ack, or `server:error` without one) and not handled; a socket that keeps
   * going is told why and disconnected, with one audit row.
   */
  limitFrames(socket: Socket, source: () => RefusalSource): void {
    const { SOCKET_RATE_PER_S, SOCKET_BURST, SOCKET_FLOOD_CUT } = this.config;
    const bucket = new TokenBucket(SOCKET_RATE_PER_S, SOCKET_BURST, SOCKET_FLOOD_CUT, Date.now());
    let refused = 0;
    socket.use((packet, next) => {
      const verdict = bucket.take(Date.now());
      if (verdict === 'pass') return next();
      if (!socket.connected) return;
      refused++;
      const ack = packet.at(-1);
      if (verdict === 'cut') {
        socket.emit(EVENTS.serverError, protocolError('RATE_LIMITED', `more than ${SOCKET_FLOOD_CUT} frames over the limit: disconnected`));
        socket.disconnect(true);
        const address = this.connections.addressOf(socket.conn as unknown as EngineConnection);
        this.audit.record('rate_limited', source(), { namespace: socket.nsp.name, address, refused });
        return;
      }
      const error = protocolError('RATE_LIMITED', `over ${SOCKET_RATE_PER_S} frames/s (burst ${SOCKET_BURST})`);
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ ok: false, error });
      else socket.emit(EVENTS.serverError, error);
    });
  }
}
