import type { ExamClient } from '@examhall/client-sdk';
import type { AnswerValue, Paper } from '@examhall/shared';
import { AnswerDrafts } from './answer-drafts.js';
import { isAnswered } from './answer-input.js';
import type { AttemptStore } from './attempt-store.js';
import { h, replaceChildren } from './dom.js';
import { describeFailure, plainMessage } from './error-text.js';
import { listen } from './listen.js';
import { Palette } from './palette.js';
import { QuestionView } from './question-view.js';
import { SaveIndicator } from './save-indicator.js';
import { SubmitDialog } from './submit-dialog.js';

/**
 * The paper: palette, one question at a time, flags, and the submit button. Answers come from
 * `client.answers()` (what the server holds plus what waits in the outbox), so a reload shows
 * exactly what this device and the server know; every change goes to the SDK at once (typing
 * after a short pause).
 */
export class PaperScreen {
  private index = 0;
  private readonly values = new Map<string, AnswerValue>();
  private readonly flags: Set<string>;
  /** questions whose last answer the server refused for good, and why */
  private readonly refused = new Map<string, string>();
  private readonly drafts: AnswerDrafts;
  private readonly palette: Palette;
  private readonly view: QuestionView;
  private readonly indicator: SaveIndicator;
  private readonly dialog: SubmitDialog;
  private readonly layout: HTMLElement;
  private readonly submitButton: HTMLButtonElement;
  private readonly disposers: Array<() => void> = [];
  private held = false;
  private submitting = false;

  constructor(
    main: HTMLElement,
    private readonly client: ExamClient,
    private readonly paper: Paper,
    private readonly store: AttemptStore,
    saveIndicator: HTMLElement,
    /** the submit went through: `submittedAt` is the server's time */
    onSubmitted: (submittedAt: number) => void,
  ) {
    this.flags = store.flags;
    const paletteNav = h('nav', { class: 'palette', 'data-testid': 'palette' });
    const questionArea = h('section', { class: 'question', 'aria-labelledby': 'question-heading', 'data-testid': 'question' });
    this.submitButton = h('button', { type: 'button', class: 'button-primary submit-button', 'data-testid': 'submit-button' }, 'Submit exam…');
    this.layout = h('div', { class: 'paper-layout' }, paletteNav, questionArea);
    this.drafts = new AnswerDrafts(client, {
      changed: () => this.indicator.render(),
      failed: (questionId, error) => this.setRefused(questionId, describeFailure(error)),
    });
    this.loadValues();
    this.indicator = new SaveIndicator(saveIndicator, client, () => this.drafts.unsaved, () => this.refused.size);
    this.palette = new Palette(paletteNav, paper, (index) => this.go(index, true));
    this.view = new QuestionView(questionArea, paper, {
      change: (value, typing) => this.onChange(value, typing),
      toggleFlag: () => this.toggleFlag(),
      go: (index) => this.go(index, true),
    });
    this.dialog = new SubmitDialog(client, {
      prepare: () => {
        this.drafts.flush();
        return { total: paper.questions.length, answered: this.answeredCount(), flagged: paper.questions.filter(({ id }) => this.flags.has(id)).length };
      },
      submitted: onSubmitted,
      busy: (busy) => {
        this.submitting = busy;
        this.applyInert();
      },
    });
    this.submitButton.addEventListener('click', () => this.dialog.open());
    replaceChildren(main, this.layout, h('div', { class: 'submit-bar' }, h('p', { class: 'submit-hint' }, 'Answers are saved as you go. Submit when you are done.'), this.submitButton), this.dialog.dialog);

    const start = paper.questions.findIndex(({ id }) => id === store.position);
    this.go(Math.max(0, start), false);
    this.disposers.push(
      listen(client, 'rejected', ({ questionId, error }) => this.setRefused(questionId, plainMessage(error.code))),
      listen(client, 'joined', () => this.onRejoined()),
    );
    // whatever is being typed reaches the outbox (localStorage) before the tab goes away
    const flushAll = () => this.drafts.flush();
    const onHidden = () => document.visibilityState === 'hidden' && flushAll();
    window.addEventListener('pagehide', flushAll);
    document.addEventListener('visibilitychange', onHidden);
    this.disposers.push(() => window.removeEventListener('pagehide', flushAll), () => document.removeEventListener('visibilitychange', onHidden));
  }

  /** Paused, locked or taken over elsewhere: no input until it is over. */
  setHeld(held: boolean): void {
    this.held = held;
    this.drafts.flush();
    this.applyInert();
  }

  dispose(): void {
    this.drafts.flush();
    for (const dispose of this.disposers.splice(0)) dispose();
  }

  private applyInert(): void {
    const blocked = this.held || this.submitting;
    this.layout.inert = blocked;
    this.layout.classList.toggle('is-blocked', blocked);
    this.submitButton.disabled = blocked;
  }

  private loadValues(): void {
    const unsaved = this.drafts.unsaved;
    for (const [questionId, known] of this.client.answers()) {
      if (unsaved.has(questionId)) continue;
      this.values.set(questionId, known.value);
      this.drafts.known(questionId, known.value);
    }
  }

  /** A rejoin may bring answers given on another device meanwhile: show what is known now. */
  private onRejoined(): void {
    const question = this.paper.questions[this.index]!;
    const before = JSON.stringify(this.values.get(question.id) ?? null);
    this.loadValues();
    const editing = document.activeElement instanceof HTMLElement && this.layout.contains(document.activeElement) && document.activeElement.matches('input, textarea');
    if (!editing && JSON.stringify(this.values.get(question.id) ?? null) !== before) this.renderQuestion();
    this.updatePalette();
  }

  private go(index: number, byCandidate: boolean): void {
    const target = Math.min(Math.max(index, 0), this.paper.questions.length - 1);
    const leaving = this.paper.questions[this.index];
    if (leaving) this.drafts.flush(leaving.id);
    this.index = target;
    const question = this.paper.questions[target]!;
    this.store.position = question.id;
    this.renderQuestion();
    this.updatePalette();
    this.client.reportActivity('navigate', question.id);
    if (byCandidate) this.view.focusHeading();
  }

  private renderQuestion(): void {
    const question = this.paper.questions[this.index]!;
    this.view.render({ index: this.index, value: this.values.get(question.id), flagged: this.flags.has(question.id), refusal: this.refused.get(question.id) });
  }

  private onChange(value: AnswerValue, typing: boolean): void {
    const question = this.paper.questions[this.index]!;
    this.values.set(question.id, value);
    if (this.refused.delete(question.id)) this.view.setRefusal(undefined);
    this.drafts.set(question.id, value, typing);
    this.updatePalette();
  }

  private toggleFlag(): void {
    const { id } = this.paper.questions[this.index]!;
    if (!this.flags.delete(id)) this.flags.add(id);
    this.store.flags = this.flags;
    this.view.setFlag(this.flags.has(id));
    this.updatePalette();
  }

  private setRefused(questionId: string, reason: string): void {
    this.refused.set(questionId, reason);
    if (this.paper.questions[this.index]?.id === questionId) this.view.setRefusal(reason);
    this.updatePalette();
    this.indicator.render();
  }

  private answeredCount(): number {
    return this.paper.questions.filter(({ id }) => isAnswered(this.values.get(id))).length;
  }

  private updatePalette(): void {
    this.palette.update({
      current: this.index,
      answered: (id) => isAnswered(this.values.get(id)),
      flagged: this.flags,
      refused: new Set(this.refused.keys()),
    });
  }
}
