import type { Paper } from '@examhall/shared';
import { h, replaceChildren } from './dom.js';

export interface PaletteState {
  current: number;
  answered: (questionId: string) => boolean;
  flagged: ReadonlySet<string>;
  /** questions whose last answer the server refused */
  refused: ReadonlySet<string>;
}

/**
 * The question palette: one button per question, grouped under the section headings, showing
 * which are answered, flagged for review and on screen. Buttons keep their identity across
 * updates so keyboard focus stays where it is.
 */
export class Palette {
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly summary = h('p', { class: 'palette-summary', 'data-testid': 'palette-summary' });

  constructor(
    container: HTMLElement,
    private readonly paper: Paper,
    onSelect: (index: number) => void,
  ) {
    const groups: HTMLElement[] = [];
    let list: HTMLOListElement | undefined;
    let section: string | undefined | null = null;
    paper.questions.forEach((question, index) => {
      if (!list || question.section !== section) {
        section = question.section;
        const title = paper.sections.find(({ id }) => id === section)?.title;
        list = h('ol', { class: 'palette-list' });
        groups.push(h('div', { class: 'palette-group' }, title ? h('h3', { class: 'palette-section' }, title) : null, list));
      }
      const button = h('button', { type: 'button', class: 'palette-item', 'data-testid': 'palette-item', 'data-question-id': question.id }, String(index + 1));
      button.addEventListener('click', () => onSelect(index));
      this.buttons.push(button);
      list.append(h('li', {}, button));
    });
    const legend = h(
      'ul',
      { class: 'palette-legend', 'aria-hidden': 'true' },
      h('li', {}, h('span', { class: 'swatch swatch-answered' }), 'Answered'),
      h('li', {}, h('span', { class: 'swatch swatch-flagged' }), 'Flagged'),
      h('li', {}, h('span', { class: 'swatch swatch-current' }), 'On screen'),
    );
    replaceChildren(container, h('h2', { class: 'palette-title', id: 'palette-title' }, 'Questions'), this.summary, ...groups, legend);
    container.setAttribute('aria-labelledby', 'palette-title');
  }

  update(state: PaletteState): void {
    let answered = 0;
    this.paper.questions.forEach((question, index) => {
      const button = this.buttons[index]!;
      const isAnswered = state.answered(question.id);
      const isFlagged = state.flagged.has(question.id);
      const isRefused = state.refused.has(question.id);
      if (isAnswered) answered++;
      button.classList.toggle('is-answered', isAnswered);
      button.classList.toggle('is-flagged', isFlagged);
      button.classList.toggle('is-refused', isRefused);
      button.classList.toggle('is-current', index === state.current);
      button.dataset.answered = String(isAnswered);
      button.dataset.flagged = String(isFlagged);
      if (index === state.current) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
      const parts = [`Question ${index + 1}`, isAnswered ? 'answered' : 'not answered'];
      if (isFlagged) parts.push('flagged for review');
      if (isRefused) parts.push('answer not accepted');
      button.setAttribute('aria-label', parts.join(', '));
    });
    const flagged = this.paper.questions.filter(({ id }) => state.flagged.has(id)).length;
    this.summary.textContent = `${answered} of ${this.paper.questions.length} answered${flagged > 0 ? ` · ${flagged} flagged` : ''}`;
  }
}
