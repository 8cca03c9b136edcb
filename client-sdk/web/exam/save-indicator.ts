import type { ExamClient } from '@examhall/client-sdk';
import { announce, plural } from './dom.js';

export type SaveState = 'connecting' | 'saved' | 'saving' | 'held' | 'offline' | 'elsewhere' | 'error';

/**
 * Tells the truth about the answers, from the SDK's outbox and connection:
 * - "All answers saved": nothing waiting here, everything committed on the server;
 * - "Saving…": answers waiting, connected (on their way);
 * - "Offline: N answers waiting": disconnected; they stay on this device and go out on reconnect;
 * - held: paused or locked, the server takes no answers until then;
 * - elsewhere: another window or device took the exam over; this one stays off until told;
 * - error: answers the server refused for good (the question shows why).
 * `unsaved` are the page's own drafts (typing not yet handed to the SDK).
 */
export class SaveIndicator {
  private joined: boolean;
  private replaced = false;
  private lastState: SaveState | undefined;

  constructor(
    private readonly element: HTMLElement,
    private readonly client: ExamClient,
    private readonly unsaved: () => Set<string>,
    private readonly refused: () => number,
  ) {
    this.joined = client.attemptId !== undefined;
    for (const event of ['outbox', 'connected', 'disconnected', 'updated', 'committed', 'rejected', 'final'] as const) {
      client.on(event, () => this.render());
    }
    client.on('joined', () => {
      this.joined = true;
      this.replaced = false;
      this.render();
    });
    client.on('replaced', () => {
      this.replaced = true;
      this.render();
    });
    this.render();
  }

  /** Question ids with an answer this device holds and the server has not committed. */
  waiting(): Set<string> {
    const ids = this.unsaved();
    for (const [questionId, answer] of this.client.answers()) if (answer.state !== 'committed') ids.add(questionId);
    return ids;
  }

  render(): void {
    const count = this.waiting().size;
    const refused = this.refused();
    let state: SaveState;
    let text: string;
    if (this.replaced) {
      state = 'elsewhere';
      text = count > 0 ? `${plural(count, 'answer')} waiting (exam open elsewhere)` : 'Exam open in another window';
    } else if (!this.client.connected) {
      state = this.joined ? 'offline' : 'connecting';
      text = !this.joined ? 'Connecting…' : count > 0 ? `Offline: ${plural(count, 'answer')} waiting` : 'Offline: all answers so far are saved';
    } else if (!this.joined) {
      state = 'connecting';
      text = 'Connecting…';
    } else if (count > 0 && (this.client.paused || this.client.locked)) {
      state = 'held';
      text = `${plural(count, 'answer')} waiting until the exam continues`;
    } else if (count > 0) {
      state = 'saving';
      text = 'Saving…';
    } else if (refused > 0) {
      state = 'error';
      text = `${plural(refused, 'answer')} not accepted`;
    } else {
      state = 'saved';
      text = 'All answers saved';
    }
    // Not a live region (it changes with every keystroke); going offline and back is announced.
    if (state === 'offline' && this.lastState !== 'offline') announce('You are offline. Your answers are kept on this device and sent when the connection is back.');
    if (this.lastState === 'offline' && state !== 'offline') announce('Back online.');
    this.lastState = state;
    this.element.dataset.state = state;
    this.element.dataset.waiting = String(count);
    if (this.element.textContent !== text) this.element.textContent = text;
  }
}
