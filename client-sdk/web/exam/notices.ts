import type { ExamClient } from '@examhall/client-sdk';
import type { AttemptUpdated, JoinReply } from '@examhall/shared';
import { announce, describeDuration, h, replaceChildren } from './dom.js';

/** How long a passing notice (extension, resume, unlock) stays unless dismissed. */
const NOTICE_MS = 20_000;

type Timing = Pick<JoinReply, 'deadline' | 'paused' | 'serverTime'>;

/**
 * What the proctor did to the attempt, from the SDK's `updated` (and `joined`, which may bring a
 * pause or lock that started while this page was away):
 * - the hold: "Paused by the proctor" / "locked", shown for as long as it lasts, input blocked;
 * - passing notices: time extended, resumed, unlocked.
 */
export class AttemptNotices {
  private previous: Timing | undefined;
  private timer: number | undefined;
  private held: boolean | undefined;

  constructor(
    private readonly holdElement: HTMLElement,
    private readonly noticeElement: HTMLElement,
    private readonly client: ExamClient,
    private readonly onHold: (held: boolean) => void,
  ) {
    client.on('joined', (reply) => {
      this.previous = reply;
      this.renderHold();
    });
    client.on('updated', (update) => this.onUpdated(update));
    this.renderHold();
  }

  /** Remembers the timing the page started from (the join reply it was built on). */
  startFrom(reply: Timing): void {
    this.previous = reply;
  }

  private onUpdated(update: AttemptUpdated): void {
    const before = this.previous;
    this.previous = update;
    this.renderHold();
    switch (update.reason) {
      case 'extended':
        return this.notice(extensionText(before, update));
      case 'resumed':
        return this.notice('The exam has resumed. The clock is running again.');
      case 'unlocked':
        return this.notice('Your exam is unlocked. You can continue.');
      case 'retimed':
        return this.notice(retimeText(before, update));
      default:
        return;
    }
  }

  private renderHold(): void {
    const { paused, locked } = this.client;
    const held = (paused || locked) && this.client.status === 'in_progress';
    this.holdElement.hidden = !held;
    if (held) {
      const [title, text] = locked
        ? ['Your exam is locked by the proctor', 'Please wait. Your answers are safe, but your time keeps running. You can continue as soon as the proctor unlocks it.']
        : ['Paused by the proctor', 'The clock is stopped and your answers are safe. The exam continues when the proctor resumes it.'];
      this.holdElement.dataset.hold = locked ? 'locked' : 'paused';
      replaceChildren(this.holdElement, h('h2', { class: 'hold-title' }, title), h('p', {}, text));
    }
    if (held !== this.held) {
      if (held) this.clearNotice(); // the hold says what matters now
      if (held) announce(locked ? 'Your exam is locked by the proctor.' : 'The exam is paused by the proctor.');
      this.held = held;
      this.onHold(held);
    }
  }

  /** The attempt is over or on hold: passing notices no longer apply. */
  clearNotice(): void {
    window.clearTimeout(this.timer);
    this.noticeElement.hidden = true;
  }

  private notice(text: string): void {
    window.clearTimeout(this.timer);
    const close = h('button', { type: 'button', class: 'notice-dismiss', 'data-testid': 'notice-dismiss' }, 'OK');
    close.addEventListener('click', () => (this.noticeElement.hidden = true));
    replaceChildren(this.noticeElement, h('p', {}, text), close);
    this.noticeElement.hidden = false;
    announce(text);
    this.timer = window.setTimeout(() => (this.noticeElement.hidden = true), NOTICE_MS);
  }
}

/** "Your time was extended by 10 minutes." from the deadlines before and after. */
function retimeText(before: Timing | undefined, after: Timing): string {
  const moved = before?.deadline != null && after.deadline !== null ? after.deadline - before.deadline : 0;
  if (Math.abs(moved) < 30_000) return 'The exam office changed the timing of this sitting. The clock shows your time.';
  return `The exam office changed the timing of this sitting: your time ${moved > 0 ? 'grew' : 'shrank'} by ${describeDuration(Math.abs(moved))}.`;
}

function extensionText(before: Timing | undefined, after: Timing): string {
  if (!before || before.deadline === null || after.deadline === null) return 'The proctor changed your time.';
  // while paused the server reports the deadline "if the pause ended now": compare time left instead
  const left = (timing: Timing) => timing.deadline! - (timing.paused ? timing.serverTime : 0);
  const added = after.paused && before.paused ? left(after) - left(before) : after.deadline - before.deadline;
  if (added < 30_000) return 'The proctor changed your time.';
  return `Your time was extended by ${describeDuration(added)}.`;
}
