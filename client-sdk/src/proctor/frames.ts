import { ActionReply, ProctorDelta, ProtocolErrorSchema, RosterSnapshot, ackSchema, protocolError, type ProtocolError } from '@examhall/shared';
import { describeIssues } from '../failures.js';

/** Every server frame of `/proctor` is checked against the shared schemas before it is used. */
const schemas = {
  watchAck: ackSchema(RosterSnapshot),
  actionAck: ackSchema(ActionReply),
  delta: ProctorDelta,
  serverError: ProtocolErrorSchema,
};

export type FrameKind = keyof typeof schemas;
type Parsed<K extends FrameKind> = ReturnType<(typeof schemas)[K]['parse']>;

export type FrameResult<K extends FrameKind> = { ok: true; frame: Parsed<K> } | { ok: false; error: ProtocolError };

const NAMES: Record<FrameKind, string> = {
  watchAck: 'proctor:watch reply',
  actionAck: 'proctor:action reply',
  delta: 'proctor:delta',
  serverError: 'server:error',
};

export function parseFrame<K extends FrameKind>(kind: K, raw: unknown): FrameResult<K> {
  const parsed = schemas[kind].safeParse(raw);
  if (parsed.success) return { ok: true, frame: parsed.data as Parsed<K> };
  return { ok: false, error: protocolError('MALFORMED_SERVER_FRAME', `malformed ${NAMES[kind]}: ${describeIssues(parsed.error.issues)}`) };
}
