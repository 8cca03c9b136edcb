/** Bumped on any incompatible change to an event name or payload shape. */
export const PROTOCOL_VERSION = 1 as const;

export const NAMESPACES = {
  candidate: '/candidate',
  proctor: '/proctor',
} as const;

/** Token audiences: a token minted for one namespace is refused by the others. */
export const TOKEN_AUDIENCE = {
  candidate: 'examhall:candidate',
  proctor: 'examhall:proctor',
} as const;

export const TOKEN_ISSUER = 'examhall' as const;

/** The Socket.IO room every socket of one attempt joins; workers emit commit notices to it. */
export function attemptRoom(attemptId: string): string {
  return `attempt:${attemptId}`;
}
