import type { RosterRow } from '@examhall/shared';
import { escapeHtml } from './dom.js';
import { STATUS_LABELS, formatAge, formatDuration } from './format.js';

/** What a cell may need besides its row: the corrected server clock and the client's time left. */
export interface CellContext {
  now: number;
  timeLeft(candidateId: string): number | null;
}

export type ColumnKey = 'candidate' | 'center' | 'status' | 'online' | 'question' | 'answered' | 'lastSave' | 'timeLeft' | 'alerts';

export interface Column {
  key: ColumnKey;
  label: string;
  width: string;
  /** null sorts last whatever the direction */
  sortValue(row: RosterRow, ctx: CellContext): number | string | null;
  /** the cell's content as escaped HTML */
  html(row: RosterRow, ctx: CellContext): string;
  /** shows a clock-dependent value: re-rendered every second */
  ticking?: boolean;
}

const STATUS_ORDER = ['not_started', 'lobby', 'in_progress', 'submitted', 'auto_submitted', 'terminated'];
const ALERT_LABELS: Record<string, string> = {
  disconnected: 'offline',
  idle: 'idle',
  focus_lost: 'focus',
  fullscreen_exit: 'fullscreen',
  second_device: '2nd device',
  ip_change: 'IP',
};

function alertBadges(row: RosterRow): string {
  const byKind = new Map<string, number>();
  for (const alert of row.alerts) byKind.set(alert.kind, (byKind.get(alert.kind) ?? 0) + alert.count);
  return [...byKind]
    .map(([kind, count]) => `<span class="badge alert alert-${kind}" data-testid="alert-badge" data-kind="${kind}" title="${kind}">${escapeHtml(ALERT_LABELS[kind] ?? kind)}${count > 1 ? ` ×${count}` : ''}</span>`)
    .join('');
}

function timeLeftHtml(row: RosterRow, ctx: CellContext): string {
  const left = ctx.timeLeft(row.candidateId);
  const badges = `${row.paused ? '<span class="badge paused">paused</span>' : ''}${row.locked ? '<span class="badge locked">locked</span>' : ''}`;
  const text = left === null ? '—' : formatDuration(left);
  const low = left !== null && left < 5 * 60_000 && row.status === 'in_progress' && !row.paused ? ' low' : '';
  return `<span class="time${low}">${text}</span>${badges}`;
}

export const COLUMNS: readonly Column[] = [
  {
    key: 'candidate',
    label: 'Candidate',
    width: 'minmax(180px, 2fr)',
    sortValue: (row) => row.name.toLowerCase(),
    html: (row) => `<span class="name">${escapeHtml(row.name)}</span><span class="id">${escapeHtml(row.candidateId)}</span>`,
  },
  { key: 'center', label: 'Center', width: '90px', sortValue: (row) => row.centerId, html: (row) => escapeHtml(row.centerId) },
  {
    key: 'status',
    label: 'Status',
    width: '120px',
    sortValue: (row) => STATUS_ORDER.indexOf(row.status),
    html: (row) => `<span class="badge status status-${row.status}">${STATUS_LABELS[row.status] ?? row.status}</span>`,
  },
  {
    key: 'online',
    label: 'Connection',
    width: '120px',
    ticking: true,
    sortValue: (row) => (row.online ? 1 : 0),
    html: (row, ctx) => {
      const since = row.onlineChangedAt === null ? '' : ` ${formatAge(ctx.now - row.onlineChangedAt)}`;
      if (row.onlineChangedAt === null && !row.online) return '<span class="dot never"></span>never';
      return `<span class="dot ${row.online ? 'on' : 'off'}"></span>${row.online ? 'online' : 'offline'}<span class="muted">${since}</span>`;
    },
  },
  { key: 'question', label: 'Question', width: '80px', sortValue: (row) => row.currentQuestion, html: (row) => escapeHtml(row.currentQuestion ?? '—') },
  {
    key: 'answered',
    label: 'Answered',
    width: '90px',
    sortValue: (row) => (row.questionCount > 0 ? row.answered / row.questionCount : 0),
    html: (row) => `${row.answered}<span class="muted">/${row.questionCount}</span>`,
  },
  {
    key: 'lastSave',
    label: 'Last save',
    width: '90px',
    ticking: true,
    sortValue: (row) => row.lastSaveAt,
    html: (row, ctx) => (row.lastSaveAt === null ? '—' : `${formatAge(ctx.now - row.lastSaveAt)} ago`),
  },
  {
    key: 'timeLeft',
    label: 'Time left',
    width: '150px',
    ticking: true,
    // as an absolute "virtual deadline", so a running row's value does not change with the clock
    sortValue: (row, ctx) => {
      const left = ctx.timeLeft(row.candidateId);
      if (left === null) return null;
      if (row.status !== 'in_progress') return 0;
      return row.paused || row.deadline === null ? ctx.now + left : row.deadline;
    },
    html: timeLeftHtml,
  },
  { key: 'alerts', label: 'Alerts', width: 'minmax(120px, 1.5fr)', sortValue: (row) => row.alerts.length, html: alertBadges },
];

export const COLUMN_TEMPLATE = ['36px', ...COLUMNS.map((column) => column.width)].join(' ');

export function columnByKey(key: ColumnKey): Column {
  return COLUMNS.find((column) => column.key === key)!;
}
