import type { Socket } from 'socket.io-client';
import { EVENTS, PROTOCOL_VERSION, type Ack, type ProctorScope, type ProtocolError } from '@examhall/shared';
import type { Config } from '../../src/config/config.js';
import type { Sql } from '../../src/store/db.js';
import { waitFor, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, startTestNode, tokenFor, type TestNode } from '../helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin, rawProctor } from '../helpers/raw-client.js';

/** Sockets and nodes a test file opened, closed in afterAll in reverse order. */
export class Opened {
  private readonly sockets: Socket[] = [];
  private readonly closers: (() => Promise<void>)[] = [];

  socket<T extends Socket>(s: T): T {
    this.sockets.push(s);
    return s;
  }

  async node(config: Config, role: 'all' | 'gateway' | 'worker' = 'all', overrides: Partial<Config> = {}): Promise<TestNode> {
    const node = await startTestNode(config, role, overrides);
    this.closers.push(node.close);
    return node;
  }

  onClose(close: () => Promise<void>): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.disconnect();
    for (const close of this.closers.reverse()) await close();
  }
}

/** A candidate connected and joined through a bare socket.io-client. */
export async function joinedCandidate(opened: Opened, port: number, config: Config, candidateId: string, sittingId: string) {
  const socket = opened.socket(rawConnect(port, await tokenFor(config, candidateId, sittingId)));
  await connected(socket);
  const reply = await rawJoin(socket);
  return { socket, reply, attemptId: reply.attemptId };
}

/** A proctor connected on /proctor and watching its scope. */
export async function watchingProctor(opened: Opened, port: number, config: Config, proctorId: string, scope: ProctorScope) {
  const socket = opened.socket(rawProctor(port, await proctorTokenFor(config, proctorId, scope)));
  await connected(socket);
  const watched = await rawEmit(socket, EVENTS.proctorWatch, { protocolVersion: PROTOCOL_VERSION });
  if (!watched.ok) throw new Error(`watch refused: ${watched.error.code}`);
  return socket;
}

/** The error of a refused ack (fails the test on an accepted one). */
export function refusal(ack: Ack<unknown>): ProtocolError {
  if (ack.ok) throw new Error(`expected a refusal, got ${JSON.stringify(ack.data).slice(0, 200)}`);
  return ack.error;
}

/** A refusal with the named ids blanked, to compare the answers to an unknown id and to a foreign one. */
export function withoutIds(error: ProtocolError, ...ids: string[]): ProtocolError {
  let detail = error.detail;
  for (const id of ids) detail = detail?.split(id).join('<id>');
  return detail === undefined ? error : { ...error, detail };
}

export interface Seat {
  id: string;
  center: string;
  district: string;
}

/** Where each enrolled candidate of a sitting sits. */
export function seatsOf(sql: Sql, sittingId: string): Promise<Seat[]> {
  return sql.unsafe<Seat[]>(
    `SELECT c.id, c.center_id AS center, ce.district_id AS district
     FROM sitting_candidates sc JOIN candidates c ON c.id = sc.candidate_id JOIN centers ce ON ce.id = c.center_id
     WHERE sc.sitting_id = $1 ORDER BY c.id`,
    [sittingId],
  );
}

/** Everything Postgres holds about one attempt that an attacker could change: compared before and after. */
export async function attemptState(sql: Sql, attemptId: string): Promise<unknown> {
  const [state] = await sql.unsafe<{ state: unknown }[]>(
    `SELECT json_build_object(
       'attempt', (SELECT to_jsonb(a) - 'last_joined_at' FROM attempts a WHERE a.id = $1),
       'answers', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.question_id), '[]') FROM answers x WHERE x.attempt_id = $1),
       'events', (SELECT count(*) FROM answer_events e WHERE e.attempt_id = $1),
       'alerts', (SELECT coalesce(jsonb_agg(to_jsonb(l) ORDER BY l.id), '[]') FROM alerts l WHERE l.attempt_id = $1),
       'audit', (SELECT count(*) FROM audit_log u WHERE u.attempt_id = $1)
     ) AS state`,
    [attemptId],
  );
  return state!.state;
}

export interface AuditRow {
  actor: string;
  action: string;
  attempt_id: string | null;
  sitting_id: string | null;
  details: Record<string, unknown>;
}

export function auditRows(sql: Sql, action: string, actor?: string): Promise<AuditRow[]> {
  return sql.unsafe<AuditRow[]>(
    'SELECT actor, action, attempt_id, sitting_id, details FROM audit_log WHERE action = $1 AND ($2::text IS NULL OR actor = $2) ORDER BY id',
    [action, actor ?? null],
  );
}

/** Audit rows are written off the refusal's path: wait for the first one. */
export function auditRow(env: TestEnv, action: string, actor?: string): Promise<AuditRow> {
  return waitFor(async () => (await auditRows(env.sql, action, actor))[0], 10_000, `audit row ${action}`);
}

/** The p-th percentile (0..100) of some latencies. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Resolves with the reason a socket was disconnected. */
export function disconnection(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}
