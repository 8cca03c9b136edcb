import { isFinalStatus, type ExamClient } from '@examhall/client-sdk';
import { announce, describeDuration, formatDuration } from './dom.js';

/** The countdown turns to its warning look this long before the end. */
export const WARNING_MS = 5 * 60_000;
const ANNOUNCE_AT_MS = [WARNING_MS, 60_000];

/**
 * The countdown in the top bar. Every frame it recomputes from `client.remainingMs()` (the
 * server's deadline on the server-corrected clock), never by counting ticks: it is right at once
 * after a reload, after a sleeping laptop wakes, and in a background tab whose timers the browser
 * slowed down. Frozen (the SDK keeps the value) while paused.
 */
export class Countdown {
  private timer: number | undefined;
  private running = false;
  private announced = new Set<number>();

  constructor(
    private readonly element: HTMLElement,
    private readonly client: ExamClient,
  ) {
    document.addEventListener('visibilitychange', this.render);
    // an extension, pause or rejoin shows at once, not at the next tick
    client.on('updated', this.render);
    client.on('joined', this.render);
  }

  start(): void {
    this.stop();
    this.running = true;
    this.render();
    // 4 updates a second keep the seconds honest; each is a fresh computation
    this.timer = window.setInterval(this.render, 250);
  }

  /** Stops and hides the countdown (the attempt is over). */
  stop(): void {
    this.running = false;
    window.clearInterval(this.timer);
    this.timer = undefined;
    this.element.hidden = true;
  }

  readonly render = (): void => {
    const remaining = this.client.remainingMs();
    const paused = this.client.paused;
    const element = this.element;
    if (!this.running || remaining === null || isFinalStatus(this.client.status)) {
      element.hidden = true;
      return;
    }
    element.hidden = false;
    const text = formatDuration(remaining);
    const value = element.querySelector<HTMLElement>('.timer-value');
    const label = element.querySelector<HTMLElement>('.timer-label');
    if (value && value.textContent !== text) value.textContent = text;
    if (label) label.textContent = paused ? 'Paused' : 'Time left';
    element.dataset.remainingMs = String(Math.round(remaining));
    element.classList.toggle('timer-warning', remaining <= WARNING_MS && remaining > 0 && !paused);
    element.classList.toggle('timer-paused', paused);
    element.setAttribute('aria-label', paused ? `Paused, ${describeDuration(remaining)} left` : `${describeDuration(remaining)} left`);
    for (const mark of ANNOUNCE_AT_MS) {
      if (remaining <= mark && remaining > mark - 60_000 && !this.announced.has(mark) && !paused) {
        this.announced.add(mark);
        announce(`${describeDuration(mark)} left.`);
      }
    }
  };
}
