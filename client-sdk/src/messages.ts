import type { ProctorMessage } from '@examhall/shared';

/** How many proctor messages `ExamClient.messages` keeps (the newest). */
export const MAX_MESSAGES = 50;

/** The newest proctor messages, oldest first, each id once (a message may reach us twice across gateways). */
export class MessageLog {
  private readonly kept: ProctorMessage[] = [];

  get list(): readonly ProctorMessage[] {
    return this.kept;
  }

  /** Returns false for a message already kept. */
  add(message: ProctorMessage): boolean {
    if (this.kept.some(({ id }) => id === message.id)) return false;
    this.kept.push(message);
    if (this.kept.length > MAX_MESSAGES) this.kept.splice(0, this.kept.length - MAX_MESSAGES);
    return true;
  }
}
