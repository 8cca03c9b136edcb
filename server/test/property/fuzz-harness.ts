import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { EVENTS, ProtocolErrorSchema, isErrorCode } from '@examhall/shared';
import { z } from 'zod';
import { fcParams } from './arbitraries.js';

/** generous: CI runs test files in parallel on two cores */
const ACK_TIMEOUT_MS = 10_000;
/** the gateway's default MAX_FRAME_BYTES is 16 KiB; frames above it are cut off by design, not fuzzed here */
const MAX_FUZZ_FRAME_BYTES = 15_000;

/** socket.io-client refuses to emit these itself; the server's parser refuses them too */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

const CodedAck = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ProtocolErrorSchema }),
]);

/** Rough size of the encoded frame (typed arrays are counted as JSON, which overestimates them). */
function frameBytes(event: string, args: unknown[]): number {
  try {
    return Buffer.byteLength(JSON.stringify([event, ...args]) ?? '');
  } catch {
    return Infinity;
  }
}

/** An event name and the payload arguments sent with it. */
export type Frame = [event: string, args: unknown[]];

/** Frames of one event. */
export function framesOf(event: string | fc.Arbitrary<string>, args: fc.Arbitrary<unknown[]>): fc.Arbitrary<Frame> {
  return fc.tuple(typeof event === 'string' ? fc.constant(event) : event, args);
}

export function isFuzzableEvent(event: string): boolean {
  return !RESERVED.has(event);
}

/**
 * Why an ack breaks the contract, or undefined: it must be `{ ok: true, data }` or `{ ok: false,
 * error }` with a code from the shared registry, and never INTERNAL (an error the server did not
 * expect is a bug, even when it is reported politely).
 */
export function ackProblem(ack: unknown): string | undefined {
  const parsed = CodedAck.safeParse(ack);
  if (!parsed.success) return `ack is not a coded reply: ${JSON.stringify(ack)?.slice(0, 300)}`;
  if (parsed.data.ok) return undefined;
  const { code } = parsed.data.error;
  if (!isErrorCode(code)) return `unknown error code ${String(code)}`;
  if (code === 'INTERNAL') return `INTERNAL: ${parsed.data.error.detail ?? ''}`;
  return undefined;
}

/** Watches a socket's `server:error` frames: each must be a coded ProtocolError. */
export function watchServerErrors(socket: Socket): { count: () => number; malformed: unknown[] } {
  let count = 0;
  const malformed: unknown[] = [];
  socket.on(EVENTS.serverError, (error: unknown) => {
    count++;
    if (!ProtocolErrorSchema.safeParse(error).success || !isErrorCode((error as { code?: unknown }).code)) malformed.push(error);
  });
  return { count: () => count, malformed };
}

function describeArgs(args: unknown[]): string {
  try {
    return JSON.stringify(args).slice(0, 300);
  } catch {
    return '(not JSON)';
  }
}

const NOT_SENT = Symbol('not sent');

/**
 * Emits with an ack callback. Some hostile values (an object whose prototype is a Date, say)
 * cannot even be encoded by socket.io-client: it throws before anything is sent, and the frame is
 * skipped rather than blamed on the server.
 */
function emitAcked(socket: Socket, event: string, args: unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    try {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, ...args, (err: Error | null, reply: unknown) => (err ? reject(err) : resolve(reply)));
    } catch {
      resolve(NOT_SENT);
    }
  });
}

/**
 * Property: every frame of `event` with these payload arguments and an ack callback gets a coded
 * ack in time, and the socket stays connected. Frames go one at a time (each ack awaited).
 */
export async function assertEveryFrameAcked(socket: () => Socket, frames: fc.Arbitrary<Frame>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(frames, async ([name, payload]) => {
      fc.pre(isFuzzableEvent(name) && frameBytes(name, payload) <= MAX_FUZZ_FRAME_BYTES);
      const s = socket();
      if (!s.connected) throw new Error('the fuzzing socket was disconnected before this frame');
      let ack: unknown;
      try {
        ack = await emitAcked(s, name, payload);
      } catch (err) {
        throw new Error(`${name} ${describeArgs(payload)}: no ack (${(err as Error).message}); connected=${s.connected}`);
      }
      fc.pre(ack !== NOT_SENT);
      const problem = ackProblem(ack);
      if (problem) throw new Error(`${name} ${describeArgs(payload)}: ${problem}`);
    }),
    fcParams(numRuns),
  );
}

/**
 * Property: frames of `event` without an ack callback change nothing for the socket: it stays
 * connected, and an acked time:sync right after still gets its reply.
 */
export async function assertUnackedFramesHarmless(socket: () => Socket, frames: fc.Arbitrary<Frame>, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(frames, async ([name, payload]) => {
      fc.pre(isFuzzableEvent(name) && frameBytes(name, payload) <= MAX_FUZZ_FRAME_BYTES);
      const s = socket();
      try {
        s.emit(name, ...payload);
      } catch {
        fc.pre(false); // socket.io-client could not encode it: nothing was sent
      }
      const ack = await s.timeout(ACK_TIMEOUT_MS).emitWithAck(EVENTS.timeSync, { clientSentAt: 1 });
      if (!s.connected) throw new Error(`${name} ${describeArgs(payload)} without an ack disconnected the socket`);
      const problem = ackProblem(ack);
      if (problem) throw new Error(`time:sync after ${name} ${describeArgs(payload)}: ${problem}`);
    }),
    fcParams(numRuns),
  );
}

/**
 * Property: raw socket.io packets (sent under the client's encoder) either leave the connection
 * usable, an acked time:sync right after gets its reply, or make the server close it; they never
 * leave it hanging. `open` gives a fresh joined socket whenever the last one was closed.
 */
export async function assertRawPacketsHarmless(open: () => Promise<Socket>, packets: fc.Arbitrary<string>, numRuns: number): Promise<void> {
  let socket = await open();
  await fc.assert(
    fc.asyncProperty(packets, async (packet) => {
      if (!socket.connected) socket = await open();
      let onClose = () => undefined as void;
      const closed = new Promise<'closed'>((resolve) => socket.once('disconnect', (onClose = () => resolve('closed'))));
      (socket.io.engine as unknown as { write(data: string): void }).write(packet);
      const outcome = await Promise.race([closed, emitAcked(socket, EVENTS.timeSync, [{ clientSentAt: 1 }]).catch((err: Error) => err)]);
      socket.off('disconnect', onClose);
      if (outcome === 'closed') return;
      if (outcome instanceof Error) {
        if (!socket.connected) return; // closed by the server while the time:sync was out
        throw new Error(`raw packet ${JSON.stringify(packet)}: no ack for the time:sync after it (${outcome.message}), still connected`);
      }
      const problem = ackProblem(outcome);
      if (problem) throw new Error(`time:sync after raw packet ${JSON.stringify(packet)}: ${problem}`);
    }),
    fcParams(numRuns),
  );
  socket.disconnect();
}
