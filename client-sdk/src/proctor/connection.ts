import type { Socket } from 'socket.io-client';
import {
  EVENTS,
  NAMESPACES,
  PROTOCOL_VERSION,
  type ProctorAction,
  type ProctorClientEvents,
  type ProctorServerEvents,
} from '@examhall/shared';
import { SocketLifecycle, type LifecycleHooks } from '../socket-lifecycle.js';
import type { ResolvedProctorOptions } from './options.js';

type ProctorSocket = Socket<ProctorServerEvents, ProctorClientEvents>;

export interface ProctorConnectionHooks extends LifecycleHooks {
  /** server frames, not yet validated */
  delta(delta: unknown): void;
  serverError(error: unknown): void;
}

export function proctorClosedError(): Error {
  return new Error('ProctorClient is closed');
}

/**
 * The socket to `/proctor`: its events and requests; the lifecycle (refusals, reconnects, drain,
 * setToken) is SocketLifecycle's. Knows nothing about rosters.
 */
export class ProctorConnection extends SocketLifecycle<ProctorSocket> {
  constructor(
    private readonly options: ResolvedProctorOptions,
    hooks: ProctorConnectionHooks,
  ) {
    const { url, token, transports, socketOptions } = options;
    super({ url: `${url}${NAMESPACES.proctor}`, token, transports, socketOptions, closedError: proctorClosedError }, hooks, (socket) => {
      socket.on(EVENTS.proctorDelta, (delta: unknown) => hooks.delta(delta));
      socket.on(EVENTS.serverError, (error: unknown) => hooks.serverError(error));
    });
  }

  // Requests never let socket.io buffer a frame for later: an action sent twice is not harmless.

  requestWatch(): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.watchTimeoutMs).emitWithAck(EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION });
  }

  requestAction(action: ProctorAction): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.proctorAction, action);
  }

  requestTimeSync(clientSentAt: number): Promise<unknown> {
    return this.connectedSocket().timeout(this.options.ackTimeoutMs).emitWithAck(EVENTS.timeSync, { clientSentAt });
  }
}
