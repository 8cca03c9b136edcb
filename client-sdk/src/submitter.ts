import { EVENTS, ExamhallError, SubmitReply, ackSchema, protocolError, type ProtocolError, type SubmitRequest } from '@examhall/shared';
import { SUBMIT_BACKOFF, backoffDelay } from './backoff.js';
import { describeError, describeIssues, toExamhallError, toProtocolError } from './failures.js';

const submitAckSchema = ackSchema(SubmitReply);

/** what the waits end with when the time budget ran out or the client closed */
const STOPPED = Symbol('stopped');

export interface SubmitterOptions {
  submitTimeoutMs: number;
  ackTimeoutMs: number;
}

/** What one submission needs from the client. */
export interface SubmitSession {
  /** this connection has joined (answers and submit go only over a joined connection) */
  joinedHere(): boolean;
  /** (re)joins; rejects like join() */
  join(): Promise<unknown>;
  /** the request to send now, with the final answer map; undefined without an attempt */
  buildRequest(): SubmitRequest | undefined;
  /** one `exam:submit` on the current connection: the raw ack; rejects on ack timeout or disconnect */
  send(request: SubmitRequest): Promise<unknown>;
  /** bumped on every disconnect */
  generation(): number;
  /** the server forgot our join (NOT_JOINED): rejoin before the next try */
  forgetJoin(): void;
  malformed(error: ProtocolError): void;
  isClosed(): boolean;
  closedError(): Error;
}

type Outcome = { request: SubmitRequest; reply: SubmitReply } | { error: ProtocolError } | { stopped: true };

/**
 * The `exam:submit` retry loop: waits for a connection and a join as needed, retries retryable
 * failures with backoff for `submitTimeoutMs` in total, then rejects with the last one. A refusal
 * retrying cannot fix rejects at once, and so does ATTEMPT_LOCKED: a proctor's hold may last far
 * longer than the budget, and the candidate should hear about it now.
 */
export async function submitWithRetries(
  session: SubmitSession,
  options: SubmitterOptions,
  closed: Promise<unknown>,
): Promise<{ request: SubmitRequest; reply: SubmitReply }> {
  let expired = false;
  let budget: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<typeof STOPPED>((resolve) => {
    budget = setTimeout(() => {
      expired = true;
      resolve(STOPPED);
    }, options.submitTimeoutMs);
  });
  const stop = Promise.race([expiry, closed.then((): typeof STOPPED => STOPPED)]);
  /** waits for `work`, or until the budget runs out or the client closes */
  const within = <T>(work: Promise<T>): Promise<T | typeof STOPPED> => {
    work.catch(() => undefined); // settles later, unobserved, when we stopped waiting
    return Promise.race([work, stop]);
  };
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void stop.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  let lastError = protocolError('CONNECTION_LOST', 'not connected');
  try {
    for (let attempt = 0; ; attempt++) {
      const outcome = await submitOnce(session, options, within);
      if (session.isClosed()) throw session.closedError();
      if ('reply' in outcome) return outcome;
      if ('error' in outcome) {
        if (!outcome.error.retryable || outcome.error.code === 'ATTEMPT_LOCKED') throw toExamhallError(outcome.error);
        lastError = outcome.error;
        if (outcome.error.code === 'NOT_JOINED') session.forgetJoin();
      }
      if (expired) throw toExamhallError(lastError);
      await pause(backoffDelay(attempt, SUBMIT_BACKOFF));
      if (session.isClosed()) throw session.closedError();
      if (expired) throw toExamhallError(lastError);
    }
  } finally {
    clearTimeout(budget);
  }
}

/** One try: (re)join if this connection has not, then one exam:submit. */
async function submitOnce(
  session: SubmitSession,
  options: SubmitterOptions,
  within: <T>(work: Promise<T>) => Promise<T | typeof STOPPED>,
): Promise<Outcome> {
  if (!session.joinedHere()) {
    try {
      if ((await within(session.join())) === STOPPED) return { stopped: true };
    } catch (error) {
      return { error: toProtocolError(error) };
    }
  }
  const request = session.buildRequest();
  if (request === undefined) return { error: protocolError('NOT_JOINED') };
  const generation = session.generation();
  let raw: unknown;
  try {
    raw = await within(session.send(request));
  } catch (error) {
    const code = generation === session.generation() ? 'ACK_TIMEOUT' : 'CONNECTION_LOST';
    return { error: protocolError(code, `${EVENTS.submit} not acknowledged (${describeError(error)}; ack timeout ${options.ackTimeoutMs} ms)`) };
  }
  if (raw === STOPPED) return { stopped: true };
  const parsed = submitAckSchema.safeParse(raw);
  if (!parsed.success) {
    const error = protocolError('MALFORMED_SERVER_FRAME', `malformed ${EVENTS.submit} reply: ${describeIssues(parsed.error.issues)}`);
    session.malformed(error);
    return { error };
  }
  if (!parsed.data.ok) return { error: parsed.data.error };
  return { request, reply: parsed.data.data };
}

/** A submit refused before anything was sent: the attempt is locked by a proctor. */
export function lockedError(): ExamhallError {
  return new ExamhallError('ATTEMPT_LOCKED', 'a proctor holds this attempt; submit once it is unlocked');
}
