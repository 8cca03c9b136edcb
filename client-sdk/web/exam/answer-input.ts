import type { AnswerValue, PaperQuestion } from '@examhall/shared';
import { h } from './dom.js';

/** The longest text the protocol accepts (shared AnswerValue: text max 5000). */
const MAX_TEXT = 5000;

export interface AnswerInput {
  element: HTMLElement;
  /** the element that should get focus when the question opens */
  focusTarget: HTMLElement | null;
}

/**
 * `typing`: the candidate is still typing (text, number) and the change may be batched;
 * otherwise (a click on an option, leaving the field) it is final.
 */
export type AnswerChange = (value: AnswerValue, typing: boolean) => void;

/** The answer field(s) for one question, filled with `value`. */
export function answerInput(question: PaperQuestion, value: AnswerValue | undefined, labelledBy: string, onChange: AnswerChange): AnswerInput {
  switch (question.type) {
    case 'single':
    case 'multiple':
      return choiceInput(question, value, labelledBy, onChange);
    case 'numeric':
      return numericInput(value, labelledBy, onChange);
    case 'text':
    case 'essay':
      return textInput(question.type, value, labelledBy, onChange);
  }
}

function choiceInput(question: PaperQuestion, value: AnswerValue | undefined, labelledBy: string, onChange: AnswerChange): AnswerInput {
  const multiple = question.type === 'multiple';
  const chosen = new Set(value?.kind === 'choice' ? value.optionIds : []);
  const group = h('fieldset', { class: 'options', 'aria-labelledby': labelledBy, 'data-testid': 'options' });
  group.append(h('legend', { class: 'visually-hidden' }, multiple ? 'Choose all that apply' : 'Choose one answer'));
  if (multiple) group.append(h('p', { class: 'hint', 'aria-hidden': 'true' }, 'Choose all that apply.'));
  const inputs: HTMLInputElement[] = [];
  (question.options ?? []).forEach((option, index) => {
    const id = `option-${question.id}-${option.id}`;
    const input = h('input', {
      type: multiple ? 'checkbox' : 'radio',
      id,
      name: `answer-${question.id}`,
      value: option.id,
      checked: chosen.has(option.id),
      'data-testid': 'option',
      'data-option-id': option.id,
    });
    inputs.push(input);
    const letter = String.fromCharCode(65 + index);
    group.append(h('label', { class: 'option', for: id }, input, h('span', { class: 'option-letter', 'aria-hidden': 'true' }, letter), h('span', { class: 'option-text' }, option.text)));
  });
  group.addEventListener('change', () => {
    const optionIds = inputs.filter((input) => input.checked).map((input) => input.value);
    onChange({ kind: 'choice', optionIds }, false);
  });
  if (!multiple) {
    const clear = h('button', { type: 'button', class: 'link-button', 'data-testid': 'clear-answer' }, 'Clear my choice');
    clear.addEventListener('click', () => {
      for (const input of inputs) input.checked = false;
      onChange(null, false);
    });
    group.append(clear);
  }
  return { element: group, focusTarget: inputs.find((input) => input.checked) ?? inputs[0] ?? null };
}

function numericInput(value: AnswerValue | undefined, labelledBy: string, onChange: AnswerChange): AnswerInput {
  const hintId = 'numeric-hint';
  const input = h('input', {
    type: 'text',
    inputmode: 'decimal',
    autocomplete: 'off',
    class: 'answer-number',
    'aria-labelledby': labelledBy,
    'aria-describedby': hintId,
    'data-testid': 'answer-input',
    value: value?.kind === 'numeric' ? String(value.value) : '',
  });
  const hint = h('p', { class: 'hint', id: hintId }, 'Enter a number, for example 42 or 3.5.');
  const read = (typing: boolean) => {
    const text = input.value.trim().replace(',', '.');
    if (text === '') {
      setInvalid(false);
      return onChange(null, typing);
    }
    const number = Number(text);
    // "3." or "-" while typing: not a number yet, nothing to save
    const valid = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text) && Number.isFinite(number);
    setInvalid(!valid && !typing);
    if (valid) onChange({ kind: 'numeric', value: number }, typing);
  };
  const setInvalid = (invalid: boolean) => {
    input.toggleAttribute('aria-invalid', invalid);
    hint.textContent = invalid ? 'That is not a number. Enter digits, for example 42 or 3.5.' : 'Enter a number, for example 42 or 3.5.';
    hint.classList.toggle('hint-error', invalid);
  };
  input.addEventListener('input', () => read(true));
  input.addEventListener('change', () => read(false));
  return { element: h('div', { class: 'answer-field' }, input, hint), focusTarget: input };
}

function textInput(type: 'text' | 'essay', value: AnswerValue | undefined, labelledBy: string, onChange: AnswerChange): AnswerInput {
  const text = value?.kind === 'text' ? value.text : '';
  const countId = 'text-count';
  const field =
    type === 'essay'
      ? h('textarea', { class: 'answer-essay', rows: 12, maxlength: MAX_TEXT, 'aria-labelledby': labelledBy, 'aria-describedby': countId, 'data-testid': 'answer-input', spellcheck: 'false' })
      : h('input', { type: 'text', class: 'answer-text', maxlength: MAX_TEXT, autocomplete: 'off', 'aria-labelledby': labelledBy, 'data-testid': 'answer-input', spellcheck: 'false' });
  field.value = text;
  const counter = type === 'essay' ? h('p', { class: 'hint', id: countId }, '') : null;
  const count = () => {
    if (!counter) return;
    const words = field.value.trim() === '' ? 0 : field.value.trim().split(/\s+/).length;
    counter.textContent = `${words} ${words === 1 ? 'word' : 'words'} · ${field.value.length} of ${MAX_TEXT} characters`;
  };
  count();
  const emit = (typing: boolean) => onChange(field.value === '' ? null : { kind: 'text', text: field.value }, typing);
  field.addEventListener('input', () => {
    count();
    emit(true);
  });
  field.addEventListener('change', () => emit(false));
  return { element: h('div', { class: 'answer-field' }, field, counter), focusTarget: field };
}

/** Whether a value counts as answered for the palette and the submit summary. */
export function isAnswered(value: AnswerValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  switch (value.kind) {
    case 'choice':
      return value.optionIds.length > 0;
    case 'numeric':
      return true;
    case 'text':
      return value.text.trim().length > 0;
  }
}
