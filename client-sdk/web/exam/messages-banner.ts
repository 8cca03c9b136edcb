import type { ExamClient } from '@examhall/client-sdk';
import type { ProctorMessage } from '@examhall/shared';
import type { AttemptStore } from './attempt-store.js';
import { announce, clockTime, h, replaceChildren } from './dom.js';

const AUDIENCE: Record<ProctorMessage['audience'], string> = {
  candidate: 'To you',
  center: 'To your exam centre',
  sitting: 'To everyone',
};

/**
 * Proctor messages above the question, newest first, each dismissable. They are kept per attempt
 * in localStorage (the server does not send old ones again), so a reload shows them again,
 * minus the dismissed ones. New ones are read out to screen reader users.
 */
export class MessagesBanner {
  private messages: ProctorMessage[];
  private dismissed: Set<string>;

  constructor(
    private readonly element: HTMLElement,
    client: ExamClient,
    private readonly store: AttemptStore,
  ) {
    this.messages = store.messages;
    this.dismissed = store.dismissed;
    for (const message of client.messages) this.add(message, false);
    client.on('message', (message) => this.add(message, true));
    this.render();
  }

  private add(message: ProctorMessage, fresh: boolean): void {
    if (this.messages.some(({ id }) => id === message.id)) return;
    this.messages.push(message);
    this.store.messages = this.messages;
    if (fresh) {
      announce(`Message from the proctor: ${message.text}`);
      this.render();
    }
  }

  private dismiss(id: string): void {
    this.dismissed.add(id);
    this.store.dismissed = this.dismissed;
    this.render();
  }

  private render(): void {
    const shown = this.messages.filter(({ id }) => !this.dismissed.has(id)).sort((a, b) => b.at - a.at);
    this.element.hidden = shown.length === 0;
    replaceChildren(
      this.element,
      ...shown.map((message) => {
        const dismiss = h('button', { type: 'button', class: 'message-dismiss', 'data-testid': 'message-dismiss', 'aria-label': `Dismiss the message from ${clockTime(message.at)}` }, 'Dismiss');
        dismiss.addEventListener('click', () => this.dismiss(message.id));
        return h(
          'article',
          { class: 'message', 'data-testid': 'message', 'data-message-id': message.id },
          h('p', { class: 'message-meta' }, h('strong', {}, 'Message from the proctor'), ` · ${AUDIENCE[message.audience]} · ${clockTime(message.at)}`),
          h('p', { class: 'message-text' }, message.text),
          dismiss,
        );
      }),
    );
  }
}
