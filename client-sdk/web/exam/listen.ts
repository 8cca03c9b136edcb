import type { ExamClient, ExamClientEvents } from '@examhall/client-sdk';

/** Adds a client listener and returns its removal, so a screen can let go of everything it added. */
export function listen<E extends keyof ExamClientEvents>(client: ExamClient, event: E, listener: (...args: ExamClientEvents[E]) => void): () => void {
  client.on(event, listener);
  return () => client.off(event, listener);
}
