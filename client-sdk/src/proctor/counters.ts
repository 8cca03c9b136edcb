import type { RosterRow } from '@examhall/shared';

/** Totals over the roster, kept current row by row (subtract the old row, add the new one). */
export interface ProctorCounters {
  total: number;
  online: number;
  offline: number;
  notStarted: number;
  lobby: number;
  inProgress: number;
  /** submitted and auto_submitted */
  submitted: number;
  terminated: number;
  paused: number;
  locked: number;
  /** open alerts over all rows (an alert seen five times counts once) */
  alertsOpen: number;
  rowsWithAlerts: number;
}

export function emptyCounters(): ProctorCounters {
  return { total: 0, online: 0, offline: 0, notStarted: 0, lobby: 0, inProgress: 0, submitted: 0, terminated: 0, paused: 0, locked: 0, alertsOpen: 0, rowsWithAlerts: 0 };
}

/** Adds (sign 1) or removes (sign -1) one row's share of the counters. */
export function countRow(counters: ProctorCounters, row: RosterRow, sign: 1 | -1): void {
  counters.total += sign;
  if (row.online) counters.online += sign;
  else counters.offline += sign;
  switch (row.status) {
    case 'not_started':
      counters.notStarted += sign;
      break;
    case 'lobby':
      counters.lobby += sign;
      break;
    case 'in_progress':
      counters.inProgress += sign;
      break;
    case 'submitted':
    case 'auto_submitted':
      counters.submitted += sign;
      break;
    case 'terminated':
      counters.terminated += sign;
      break;
  }
  if (row.paused) counters.paused += sign;
  if (row.locked) counters.locked += sign;
  if (row.alerts.length > 0) {
    counters.alertsOpen += sign * row.alerts.length;
    counters.rowsWithAlerts += sign;
  }
}
