import { EVENTS, ExamhallError, protocolError, type Ack, type ProtocolError } from '@examhall/shared';
import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Logger } from '../observability/logger.js';

/** A connect_error whose `data` the SDKs read as a ProtocolError. */
export function connectError(error: ProtocolError): Error & { data: ProtocolError } {
  return Object.assign(new Error(error.message), { data: error });
}

/** A logger, or how to make one when needed (a socket's child logger, built only on an error). */
export type LoggerSource = Logger | (() => Logger);

export function toProtocolError(err: unknown, logger: LoggerSource): ProtocolError {
  if (err instanceof ExamhallError) return err.error;
  if (isDatabaseUnavailable(err)) return protocolError('STORE_UNAVAILABLE');
  (typeof logger === 'function' ? logger() : logger).error({ err }, 'unexpected error in a socket handler');
  return protocolError('INTERNAL');
}

/** Postgres unreachable or restarting: STORE_UNAVAILABLE (retryable), not INTERNAL. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'CONNECTION_CLOSED' || code === 'CONNECT_TIMEOUT' || code === 'CONNECTION_DESTROYED' || code === '57P01';
}

/** Validates a frame with its shared schema; the first issue becomes a BAD_REQUEST detail. */
export function parse<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ExamhallError('BAD_REQUEST', issue ? `${issue.path.join('.') || 'payload'}: ${issue.message}` : undefined);
}

/**
 * Registers acked handlers on a socket: every frame must carry an ack callback, and any failure
 * becomes a coded error ack (also handed to `onRefused`, for the security audit). Frames of events
 * not registered get UNKNOWN_EVENT.
 */
export function ackedHandlers(socket: Socket, log: LoggerSource, onRefused?: (event: string, error: ProtocolError) => void) {
  const known = new Set<string>();
  socket.onAny((event: string, ...args: unknown[]) => {
    if (known.has(event)) return;
    const ack = args.at(-1);
    const error = protocolError('UNKNOWN_EVENT', String(event).slice(0, 64));
    if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ ok: false, error });
    else socket.emit(EVENTS.serverError, error);
  });
  return <T>(event: string, work: (payload: unknown) => Promise<T> | T) => {
    known.add(event);
    // socket.io appends the ack after however many arguments the client sent: it is the last one
    socket.on(event, (...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== 'function') {
        socket.emit(EVENTS.serverError, protocolError('BAD_REQUEST', `${event} needs an acknowledgement callback`));
        return;
      }
      const reply = ack as (r: Ack<T>) => void;
      const payloads = args.length - 1;
      Promise.resolve()
        .then(() => {
          if (payloads !== 1) throw new ExamhallError('BAD_REQUEST', `${event} takes exactly one payload, got ${payloads}`);
          return work(args[0]);
        })
        .then(
          (data) => reply({ ok: true, data }),
          (err: unknown) => {
            const error = toProtocolError(err, log);
            onRefused?.(event, error);
            reply({ ok: false, error });
          },
        );
    });
  };
}
