import type { ProctorMessage } from '@examhall/shared';

/**
 * What the page remembers about one attempt in localStorage, next to the SDK's outbox: flags,
 * the question on screen, proctor messages and which were dismissed, when it was handed in.
 * All of it is convenience: a failed read or write never stops the exam.
 */
export class AttemptStore {
  constructor(private readonly attemptId: string) {}

  get flags(): Set<string> {
    return new Set(this.read<string[]>('flags', []));
  }

  set flags(flags: Set<string>) {
    this.write('flags', [...flags]);
  }

  get position(): string | null {
    return this.read<string | null>('position', null);
  }

  set position(questionId: string | null) {
    this.write('position', questionId);
  }

  get messages(): ProctorMessage[] {
    return this.read<ProctorMessage[]>('messages', []);
  }

  set messages(messages: ProctorMessage[]) {
    this.write('messages', messages.slice(-50));
  }

  get dismissed(): Set<string> {
    return new Set(this.read<string[]>('dismissed', []));
  }

  set dismissed(ids: Set<string>) {
    this.write('dismissed', [...ids].slice(-100));
  }

  /** when the attempt ended (server epoch ms), once this page learned it */
  get endedAt(): number | null {
    return this.read<number | null>('ended-at', null);
  }

  set endedAt(at: number | null) {
    this.write('ended-at', at);
  }

  private key(name: string): string {
    return `examhall:page:${this.attemptId}:${name}`;
  }

  private read<T>(name: string, fallback: T): T {
    try {
      const raw = localStorage.getItem(this.key(name));
      return raw === null ? fallback : (JSON.parse(raw) as T);
    } catch {
      return fallback;
    }
  }

  private write(name: string, value: unknown): void {
    try {
      localStorage.setItem(this.key(name), JSON.stringify(value));
    } catch {
      // storage full or disabled: flags and positions are not worth an error on screen
    }
  }
}
