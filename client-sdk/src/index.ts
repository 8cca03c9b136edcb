/**
 * @examhall/client-sdk: the candidate's client, for browsers and Node. Node-only pieces
 * (FileOutboxStorage) live in `@examhall/client-sdk/node`.
 */
export { ExamClient, isFinalStatus } from './client.js';
export type { ActivityKind, AnswerRef, AnswerState, ExamClientEvents, FinalStatus, KnownAnswer } from './client.js';
export { MAX_HELD_ACTIVITY } from './activity.js';
export { MAX_MESSAGES } from './messages.js';
export { ClockSync, CLOCK_POLICY } from './clock.js';
export type { ClockPolicy, SampleOutcome } from './clock.js';
export { DEFAULTS } from './options.js';
export type { ExamClientOptions, NetworkEvents, Transport } from './options.js';
export { LocalStorageOutboxStorage, MemoryOutboxStorage } from './storage.js';
export type { OutboxStorage, SyncStorage } from './storage.js';
export type { OutboxEntry, OutboxEntryState } from './outbox.js';
export { TypedEmitter } from './emitter.js';
export type { EventMap, Listener } from './emitter.js';
export { decodeTokenClaims, outboxKeyForToken } from './token.js';
export { ANSWER_BACKOFF, CONNECT_BACKOFF, SUBMIT_BACKOFF, backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export * from './proctor/index.js';
export { signInAsProctor, signInWithAccessCode, sittingFromLink } from './sign-in.js';
