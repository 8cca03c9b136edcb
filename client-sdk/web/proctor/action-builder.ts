import { ProctorAction, type ActionTarget, type AlertKind, type ProctorActionKind, type RosterRow } from '@examhall/shared';
import { fromDateTimeLocal } from './format.js';

/** The dashboard's action buttons: the protocol's kinds plus the admin's sitting-wide pause and resume. */
export type ActionChoice = ProctorActionKind | 'incident_pause' | 'incident_resume';

export interface ActionForm {
  choice: ActionChoice;
  targetMode: 'selected' | 'center';
  center: string;
  minutes: string;
  text: string;
  /** <input type="datetime-local"> values */
  from: string;
  to: string;
  /** dismiss_alert: only alerts of this kind ('' = every kind) */
  alertKind: '' | AlertKind;
  reason: string;
  confirmed: boolean;
}

export interface ActionContext {
  selected: readonly string[];
  row(candidateId: string): RosterRow | undefined;
  rowsInCenter(centerId: string): RosterRow[];
}

export type BuiltAction = { ok: true; action: ProctorAction; summary: string } | { ok: false; message: string };

export const CHOICE_LABELS: Record<ActionChoice, string> = {
  extend: 'Extend time',
  pause: 'Pause',
  resume: 'Resume',
  lock: 'Lock',
  unlock: 'Unlock',
  terminate: 'Terminate',
  message: 'Message',
  compensate: 'Compensate outage',
  dismiss_alert: 'Dismiss alerts',
  incident_pause: 'Incident pause (whole sitting)',
  incident_resume: 'Incident resume (whole sitting)',
};

/** Turns the form into a ProctorAction checked by the shared schema, or says what is missing. */
export function buildAction(form: ActionForm, ctx: ActionContext): BuiltAction {
  const incident = form.choice === 'incident_pause' || form.choice === 'incident_resume';
  const kind: ProctorActionKind = form.choice === 'incident_pause' ? 'pause' : form.choice === 'incident_resume' ? 'resume' : form.choice;
  let target: ActionTarget;
  let targetRows: () => RosterRow[];
  let whom: string;
  if (incident) {
    target = { sitting: true };
    targetRows = () => [];
    whom = '';
  } else if (form.targetMode === 'center') {
    if (!form.center) return { ok: false, message: 'Choose a center.' };
    target = { centers: [form.center] };
    targetRows = () => ctx.rowsInCenter(form.center);
    whom = `center ${form.center}`;
  } else {
    if (ctx.selected.length === 0) return { ok: false, message: 'Select at least one candidate (or choose a center).' };
    target = { candidates: [...ctx.selected] };
    targetRows = () => ctx.selected.flatMap((id) => ctx.row(id) ?? []);
    whom = `${ctx.selected.length} candidate${ctx.selected.length === 1 ? '' : 's'}`;
  }
  const reason = form.reason.trim();
  if (!reason && kind !== 'message') return { ok: false, message: 'Give a reason: it goes to the audit log.' };
  const common = { target, ...(reason ? { reason } : {}) };
  let draft: Record<string, unknown>;
  switch (kind) {
    case 'extend': {
      const minutes = Number(form.minutes);
      if (!Number.isInteger(minutes) || minutes <= 0) return { ok: false, message: 'Extend by a whole number of minutes.' };
      draft = { kind, ...common, seconds: minutes * 60 };
      break;
    }
    case 'message':
      if (!form.text.trim()) return { ok: false, message: 'Write the message.' };
      draft = { kind, ...common, text: form.text.trim() };
      break;
    case 'compensate': {
      const from = fromDateTimeLocal(form.from);
      const to = fromDateTimeLocal(form.to);
      if (from === null || to === null || from >= to) return { ok: false, message: 'The outage needs a start before its end.' };
      draft = { kind, ...common, from, to };
      break;
    }
    case 'dismiss_alert': {
      const alertIds = targetRows().flatMap((row) => row.alerts.filter((alert) => !form.alertKind || alert.kind === form.alertKind).map((alert) => alert.id));
      if (alertIds.length === 0) return { ok: false, message: 'No open alerts of that kind on the target.' };
      draft = { kind, ...common, alertIds };
      whom = `${alertIds.length} alert${alertIds.length === 1 ? '' : 's'} of ${whom}`;
      break;
    }
    case 'terminate':
      if (!form.confirmed) return { ok: false, message: 'Tick the box to confirm: terminating ends the attempt for good.' };
      draft = { kind, ...common };
      break;
    default:
      draft = { kind, ...common };
  }
  const parsed = ProctorAction.safeParse(draft);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'action'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, action: parsed.data, summary: whom ? `${CHOICE_LABELS[form.choice]} → ${whom}` : CHOICE_LABELS[form.choice] };
}
