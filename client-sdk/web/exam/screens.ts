import type { ExamClient } from '@examhall/client-sdk';
import type { FinalStatus } from '@examhall/client-sdk';
import { clockTime, formatDuration, h, plural, replaceChildren } from './dom.js';
import { looksLikeToken } from './session-token.js';
import { signInWithAccessCode, sittingFromLink } from '@examhall/client-sdk';
import { describeFailure } from './error-text.js';

/** The screens around the paper: sign-in, connecting, lobby, finished and "cannot continue". */

export function showSignIn(main: HTMLElement, problem: string | undefined, onToken: (token: string) => void): void {
  const error = h('p', { class: 'form-error', id: 'signin-error', role: 'alert', 'data-testid': 'signin-error', hidden: !problem }, problem ?? '');
  const field = h('textarea', {
    id: 'token',
    name: 'token',
    rows: 4,
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'token-help signin-error',
    'data-testid': 'token-input',
  });
  const form = h(
    'form',
    { class: 'card signin', 'data-testid': 'signin-form', novalidate: true },
    h('h1', {}, 'Sign in to your exam'),
    h('label', { for: 'token' }, 'Exam token'),
    field,
    h('p', { class: 'hint', id: 'token-help' }, 'Ask your invigilator for your token and paste all of it here. If you were given a sign-in link, open that link instead.'),
    error,
    h('button', { type: 'submit', class: 'button-primary', 'data-testid': 'signin-submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = field.value.replace(/\s+/g, '');
    if (!looksLikeToken(token)) {
      error.hidden = false;
      error.textContent = 'This does not look like an exam token. Copy the whole token (it has two dots in it), or ask your invigilator.';
      field.setAttribute('aria-invalid', 'true');
      field.focus();
      return;
    }
    onToken(token);
  });
  const codeForm = accessCodeForm(onToken);
  replaceChildren(main, codeForm.form, form);
  (codeForm.focus ?? field).focus();
}

/** Candidate id + access code → a token from the sign-in endpoint (the sitting comes from the link, or is typed). */
function accessCodeForm(onToken: (token: string) => void): { form: HTMLFormElement; focus?: HTMLElement } {
  const linked = sittingFromLink();
  const input = (id: string, label: string, attrs: Record<string, string | boolean> = {}) => {
    const field = h('input', { id, name: id, type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', 'data-testid': `${id}-input`, ...attrs });
    return { field, label: h('label', { for: id }, label) };
  };
  const sitting = input('sitting', 'Exam session');
  const candidate = input('candidate', 'Candidate ID');
  const code = input('access-code', 'Access code', { autocapitalize: 'characters' });
  if (linked) sitting.field.value = linked;
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'access-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button-primary', 'data-testid': 'access-submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card signin', 'data-testid': 'access-form', novalidate: true },
    h('h1', {}, 'Sign in with your access code'),
    ...(linked ? [] : [sitting.label, sitting.field]),
    candidate.label,
    candidate.field,
    code.label,
    code.field,
    h('p', { class: 'hint' }, 'Your invigilator gives you your candidate ID and a 10-character access code.'),
    error,
    submit,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = [sitting.field.value.trim(), candidate.field.value.trim(), code.field.value.trim()] as const;
    if (values.some((v) => v === '')) {
      error.hidden = false;
      error.textContent = 'Fill in every field.';
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    const [sittingId, candidateId, accessCode] = values;
    signInWithAccessCode({ sittingId, candidateId, accessCode }).then((reply) => onToken(reply.token), (failure: unknown) => {
      submit.disabled = false;
      error.hidden = false;
      error.textContent = describeFailure(failure);
    });
  });
  return { form, focus: linked ? candidate.field : undefined };
}

export function showConnecting(main: HTMLElement, text = 'Connecting to the exam server…'): void {
  replaceChildren(main, h('section', { class: 'card centered', 'data-testid': 'connecting', 'aria-busy': 'true' }, h('div', { class: 'spinner', 'aria-hidden': 'true' }), h('p', { role: 'status' }, text)));
}

/** Signed in, but the sitting's window has not opened: the page asks again by itself. */
export function showNotOpen(main: HTMLElement): void {
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card centered lobby', 'data-testid': 'not-open' },
      h('h1', {}, 'The exam session has not opened yet'),
      h('p', { role: 'status' }, 'This page keeps checking and lets you in as soon as it opens. You do not need to reload it.'),
      h('p', { class: 'hint' }, 'Keep this window open.'),
    ),
  );
}

/**
 * The lobby: signed in, waiting for the start signal. Counts down to the planned start on the
 * server's clock if the server gave one; the paper replaces this screen by itself.
 * Returns a function that stops the countdown.
 */
export function showLobby(main: HTMLElement, client: ExamClient): () => void {
  const countdown = h('p', { class: 'lobby-countdown', 'data-testid': 'lobby-countdown', 'aria-live': 'off' });
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card centered lobby', 'data-testid': 'lobby' },
      h('h1', {}, 'Waiting for the start'),
      h('p', {}, 'You are signed in. Your paper appears here by itself when the exam starts.'),
      countdown,
      h('p', { class: 'hint' }, 'Keep this window open. You do not need to reload the page.'),
    ),
  );
  const render = () => {
    const planned = client.scheduledStart;
    if (planned === null) {
      countdown.textContent = 'Your invigilator will start the exam.';
      return;
    }
    const left = planned - client.serverNow();
    countdown.dataset.remainingMs = String(Math.max(0, Math.round(left)));
    countdown.textContent = left > 0 ? `Planned start at ${clockTime(planned)} — in ${formatDuration(left)}` : 'The exam should start any moment now.';
  };
  render();
  const timer = window.setInterval(render, 250);
  return () => window.clearInterval(timer);
}

const FINISHED: Record<FinalStatus, { title: string; line: (at: string | null) => string }> = {
  submitted: { title: 'Your exam has been submitted', line: (at) => (at ? `Your answers were submitted at ${at}.` : 'Your answers were submitted.') },
  auto_submitted: { title: 'Time is up', line: (at) => (at ? `Your answers were submitted automatically at ${at}.` : 'Your answers were submitted automatically.') },
  terminated: { title: 'Your exam was ended by the proctor', line: (at) => (at ? `The proctor ended your exam at ${at}. The answers saved until then count.` : 'The proctor ended your exam. The answers saved until then count.') },
};

export function showFinished(main: HTMLElement, status: FinalStatus, endedAt: number | null, unsaved: number): void {
  const text = FINISHED[status];
  const at = endedAt === null ? null : clockTime(endedAt);
  replaceChildren(
    main,
    h(
      'section',
      { class: 'card centered finished', 'data-testid': 'finished', 'data-status': status, tabindex: '-1' },
      h('div', { class: 'finished-mark', 'aria-hidden': 'true' }, status === 'terminated' ? '!' : '✓'),
      h('h1', {}, text.title),
      h('p', { 'data-testid': 'submitted-at' }, text.line(at)),
      unsaved > 0 ? h('p', { class: 'form-error', role: 'alert' }, `${plural(unsaved, 'answer')} given on this device had not reached the server in time and could not be saved.`) : null,
      h('p', { class: 'hint' }, 'You can close this window now.'),
    ),
  );
  main.querySelector<HTMLElement>('.finished')?.focus();
}

/** Something retrying cannot fix (session closed, not enrolled...). */
export function showProblem(main: HTMLElement, text: string, actions: { retry: () => void; signIn: () => void }): void {
  const retry = h('button', { type: 'button', class: 'button-primary' }, 'Try again');
  const other = h('button', { type: 'button', class: 'button-secondary' }, 'Sign in with another token');
  retry.addEventListener('click', actions.retry);
  other.addEventListener('click', actions.signIn);
  replaceChildren(
    main,
    h('section', { class: 'card centered', 'data-testid': 'problem' }, h('h1', {}, 'Your exam cannot be opened'), h('p', { role: 'alert' }, text), h('div', { class: 'dialog-actions' }, other, retry)),
  );
}
