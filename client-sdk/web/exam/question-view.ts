import type { AnswerValue, Paper, PaperQuestion } from '@examhall/shared';
import { answerInput, type AnswerChange } from './answer-input.js';
import { h, plural, replaceChildren } from './dom.js';

export interface QuestionViewState {
  index: number;
  value: AnswerValue | undefined;
  flagged: boolean;
  /** why the server refused the last answer, in plain words */
  refusal: string | undefined;
}

export interface QuestionViewHooks {
  change: AnswerChange;
  toggleFlag(): void;
  go(index: number): void;
}

/** One question on screen: section, number, prompt, the answer field, flag and prev/next. */
export class QuestionView {
  private focusTarget: HTMLElement | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly paper: Paper,
    private readonly hooks: QuestionViewHooks,
  ) {}

  render(state: QuestionViewState): void {
    const question = this.paper.questions[state.index]!;
    const total = this.paper.questions.length;
    const section = this.paper.sections.find(({ id }) => id === question.section);
    const input = answerInput(question, state.value, 'question-prompt', this.hooks.change);
    this.focusTarget = input.focusTarget;

    const flag = h('button', { type: 'button', class: 'flag-toggle', 'data-testid': 'flag-toggle' });
    flag.addEventListener('click', () => this.hooks.toggleFlag());
    const prev = h('button', { type: 'button', class: 'nav-button', 'data-testid': 'nav-prev', disabled: state.index === 0 }, '← Previous');
    const next = h('button', { type: 'button', class: 'nav-button nav-next', 'data-testid': 'nav-next', disabled: state.index === total - 1 }, 'Next →');
    prev.addEventListener('click', () => this.hooks.go(state.index - 1));
    next.addEventListener('click', () => this.hooks.go(state.index + 1));

    replaceChildren(
      this.container,
      section ? h('p', { class: 'section-title', 'data-testid': 'section-title' }, section.title) : null,
      h(
        'h2',
        { class: 'question-heading', id: 'question-heading', tabindex: '-1' },
        h('span', { 'data-testid': 'question-number' }, `Question ${state.index + 1} of ${total}`),
        h('span', { class: 'question-points' }, pointsText(question)),
      ),
      h('div', { class: 'prompt', id: 'question-prompt', 'data-testid': 'question-text', 'data-question-id': question.id }, question.prompt),
      input.element,
      h('p', { class: 'answer-refused', role: 'alert', 'data-testid': 'answer-refused', hidden: true }),
      h('div', { class: 'question-tools' }, flag),
      h('nav', { class: 'question-nav', 'aria-label': 'Previous and next question' }, prev, next),
    );
    this.setFlag(state.flagged);
    this.setRefusal(state.refusal);
  }

  /** Without re-rendering the field (which would move the caret). */
  setFlag(flagged: boolean): void {
    const button = this.container.querySelector<HTMLElement>('.flag-toggle');
    if (!button) return;
    button.setAttribute('aria-pressed', String(flagged));
    button.textContent = flagged ? '⚑ Flagged for review' : '⚐ Flag for review';
  }

  setRefusal(refusal: string | undefined): void {
    const line = this.container.querySelector<HTMLElement>('.answer-refused');
    if (!line) return;
    line.hidden = refusal === undefined;
    line.textContent = refusal === undefined ? '' : `Not saved: ${refusal}`;
  }

  /** After navigating: headings for screen readers, so the new question is read from the top. */
  focusHeading(): void {
    this.container.querySelector<HTMLElement>('#question-heading')?.focus();
  }

  focusAnswer(): void {
    this.focusTarget?.focus();
  }
}

function pointsText(question: PaperQuestion): string {
  return plural(question.points, 'point');
}
