import { ExamhallError, type ActionReply, type AlertKind, type ProctorAction } from '@examhall/shared';
import { CHOICE_LABELS, buildAction, type ActionChoice, type ActionContext, type ActionForm } from './action-builder.js';
import { byTestId, el, setText } from './dom.js';
import { toDateTimeLocal } from './format.js';

export interface ActionHooks {
  context(): ActionContext;
  centers(): string[];
  serverNow(): number;
  send(action: ProctorAction): Promise<ActionReply>;
}

/** which form fields each button needs (the target and the reason are there for all but noted) */
const FIELDS: Record<ActionChoice, string[]> = {
  extend: ['target', 'minutes'],
  pause: ['target'],
  resume: ['target'],
  lock: ['target'],
  unlock: ['target'],
  terminate: ['target', 'confirm'],
  message: ['target', 'text'],
  compensate: ['target', 'from', 'to'],
  dismiss_alert: ['target', 'alertKind'],
  incident_pause: [],
  incident_resume: [],
};
const OUTCOMES_SHOWN = 20;

/** The action buttons, the form they open, and the result of the last action. */
export class ActionPanel {
  private readonly form = byTestId<HTMLFormElement>('action-form');
  private readonly result = byTestId('action-result');
  private readonly error = byTestId('action-error');
  private readonly submit = byTestId<HTMLButtonElement>('action-submit');
  private readonly center = byTestId<HTMLSelectElement>('action-center');
  private choice: ActionChoice = 'extend';

  constructor(private readonly hooks: ActionHooks) {
    for (const button of document.querySelectorAll<HTMLButtonElement>('[data-choice]')) {
      button.addEventListener('click', () => this.open(button.dataset.choice as ActionChoice));
    }
    byTestId('action-cancel').addEventListener('click', () => this.close());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.send();
    });
  }

  setAdmin(admin: boolean): void {
    for (const button of document.querySelectorAll<HTMLElement>('.admin-only')) button.hidden = !admin;
  }

  /** Keeps the target line current while the form is open (the selection may change). */
  refresh(selected: number): void {
    setText(byTestId('target-selected-count'), String(selected));
  }

  open(choice: ActionChoice): void {
    this.choice = choice;
    const fields = FIELDS[choice];
    for (const field of this.form.querySelectorAll<HTMLElement>('[data-field]')) {
      field.hidden = field.dataset.field !== 'reason' && !fields.includes(field.dataset.field!);
    }
    setText(byTestId('action-title'), CHOICE_LABELS[choice]);
    setText(byTestId('reason-label'), choice === 'message' ? 'Reason (optional)' : 'Reason (required, audit log)');
    this.submit.textContent = choice === 'terminate' ? 'Terminate' : 'Send';
    this.submit.classList.toggle('danger', choice === 'terminate' || choice === 'incident_pause');
    const selected = this.hooks.context().selected.length;
    this.fillCenters();
    const byCenter = selected === 0 && this.center.value !== '';
    this.input('target-selected').checked = !byCenter;
    this.input('target-center').checked = byCenter;
    const now = this.hooks.serverNow();
    this.input('action-from').value = toDateTimeLocal(now - 15 * 60_000);
    this.input('action-to').value = toDateTimeLocal(now);
    this.input('action-confirm').checked = false;
    setText(this.error, '');
    this.refresh(selected);
    this.form.hidden = false;
    this.input('action-reason').focus();
  }

  close(): void {
    this.form.hidden = true;
  }

  private async send(): Promise<void> {
    const built = buildAction(this.values(), this.hooks.context());
    if (!built.ok) return void setText(this.error, built.message);
    setText(this.error, '');
    this.submit.disabled = true;
    this.showResult('pending', `${built.summary}: sending…`);
    try {
      const reply = await this.hooks.send(built.action);
      this.showReply(built.summary, reply);
      this.close();
      this.input('action-reason').value = '';
    } catch (error) {
      const detail = error instanceof ExamhallError ? `${error.code}: ${error.error.detail ?? error.error.message}` : String(error);
      this.showResult('refused', `${built.summary}: refused (${detail})`);
    } finally {
      this.submit.disabled = false;
    }
  }

  private showReply(summary: string, reply: ActionReply): void {
    const state = reply.failed === 0 ? 'ok' : reply.applied === 0 ? 'refused' : 'partial';
    this.showResult(state, `${summary}: applied ${reply.applied}, failed ${reply.failed}`);
    const failures = reply.outcomes.filter((outcome) => !outcome.ok);
    const granted = reply.outcomes.filter((outcome) => outcome.ok && outcome.seconds !== undefined);
    const list = el('ul', { class: 'outcomes' });
    for (const outcome of failures.slice(0, OUTCOMES_SHOWN)) {
      list.append(el('li', { 'data-testid': 'action-failure', 'data-candidate-id': outcome.candidateId, text: `${outcome.candidateId}: ${outcome.error ?? 'failed'}` }));
    }
    if (failures.length > OUTCOMES_SHOWN) list.append(el('li', { text: `… and ${failures.length - OUTCOMES_SHOWN} more` }));
    if (granted.length > 0) {
      const seconds = granted.map((outcome) => outcome.seconds!);
      list.append(el('li', { text: `granted ${Math.min(...seconds)}–${Math.max(...seconds)} s to ${granted.length}` }));
    }
    if (list.childElementCount > 0) this.result.append(list);
  }

  private showResult(state: string, text: string): void {
    this.result.dataset.state = state;
    this.result.replaceChildren(el('p', { 'data-testid': 'action-summary', text }));
  }

  private values(): ActionForm {
    return {
      choice: this.choice,
      targetMode: this.input('target-center').checked ? 'center' : 'selected',
      center: this.center.value,
      minutes: this.input('action-minutes').value,
      text: byTestId<HTMLTextAreaElement>('action-text').value,
      from: this.input('action-from').value,
      to: this.input('action-to').value,
      alertKind: byTestId<HTMLSelectElement>('action-alert-kind').value as '' | AlertKind,
      reason: this.input('action-reason').value,
      confirmed: this.input('action-confirm').checked,
    };
  }

  private fillCenters(): void {
    const current = this.center.value;
    const centers = this.hooks.centers();
    this.center.replaceChildren(...centers.map((id) => el('option', { value: id, text: id })));
    this.center.value = centers.includes(current) ? current : (centers[0] ?? '');
  }

  private input(testId: string): HTMLInputElement {
    return byTestId<HTMLInputElement>(testId);
  }
}
