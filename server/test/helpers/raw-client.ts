import { io, type Socket } from 'socket.io-client';
import { EVENTS, NAMESPACES, PROTOCOL_VERSION, type Ack, type JoinReply, type ProtocolError } from '@examhall/shared';

/** A bare socket.io-client speaking the wire protocol directly: for tests that send what the SDK never would. */
export function rawConnect(port: number, token: unknown, extra: Record<string, unknown> = {}): Socket {
  return io(`http://127.0.0.1:${port}${NAMESPACES.candidate}`, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
    ...extra,
  });
}

/** A bare socket.io-client on the /proctor namespace. */
export function rawProctor(port: number, token: unknown): Socket {
  return io(`http://127.0.0.1:${port}${NAMESPACES.proctor}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err: Error & { data?: ProtocolError }) => reject(err));
  });
}

/** Resolves with the ProtocolError of a refused connection. */
export function connectRefusal(socket: Socket): Promise<{ message: string; data?: ProtocolError }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but a refusal was expected')));
    socket.once('connect_error', (err: Error & { data?: ProtocolError }) => resolve({ message: err.message, data: err.data }));
  });
}

export async function rawJoin(socket: Socket): Promise<JoinReply> {
  const reply = (await socket.timeout(10_000).emitWithAck(EVENTS.join, { protocolVersion: PROTOCOL_VERSION })) as Ack<JoinReply>;
  if (!reply.ok) throw new Error(`join failed: ${reply.error.code}`);
  return reply.data;
}

export function rawEmit<T = unknown>(socket: Socket, event: string, ...args: unknown[]): Promise<Ack<T>> {
  return socket.timeout(10_000).emitWithAck(event, ...args) as Promise<Ack<T>>;
}
