import type { FeedEntry } from '@examhall/shared';
import { el } from './dom.js';
import { formatClock } from './format.js';

export const FEED_LINES = 200;

/** The live feed, newest first, capped; new lines are added once per frame. */
export class FeedPanel {
  private pending: FeedEntry[] = [];

  /** `nameOf`: the candidate's name from the roster, shown before the id */
  constructor(
    private readonly list: HTMLElement,
    private readonly nameOf: (candidateId: string) => string | undefined = () => undefined,
  ) {}

  /** Replaces every line (after a snapshot). */
  reset(lines: readonly FeedEntry[]): void {
    this.pending = [];
    this.list.replaceChildren(...lines.slice(0, FEED_LINES).map((line) => this.item(line)));
  }

  /** Queues new lines (newest first) for the next flush. */
  add(lines: readonly FeedEntry[]): void {
    this.pending = lines.concat(this.pending);
    if (this.pending.length > FEED_LINES) this.pending.length = FEED_LINES;
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (const line of this.pending) fragment.append(this.item(line));
    this.pending = [];
    this.list.prepend(fragment);
    while (this.list.childElementCount > FEED_LINES) this.list.lastElementChild!.remove();
  }

  private item(line: FeedEntry): HTMLLIElement {
    return el(
      'li',
      { class: `feed-line kind-${line.kind}`, 'data-testid': 'feed-line', 'data-kind': line.kind, 'data-candidate-id': line.candidateId },
      el('time', { text: formatClock(line.at) }),
      el('span', { class: 'kind', text: line.kind.replace('_', ' ') }),
      el('span', { class: 'who', text: this.nameOf(line.candidateId) ?? line.candidateId, title: line.candidateId }),
      el('span', { class: 'text', text: line.text }),
    );
  }
}
