import type { ProctorScope } from '@examhall/shared';
import type { ProctorConnectionState, ProctorCounters } from '../../src/proctor/index.js';
import { byTestId, setText } from './dom.js';
import { formatClock } from './format.js';

const COUNTERS: Array<[testId: string, pick: (counters: ProctorCounters) => number]> = [
  ['counter-online', (c) => c.online],
  ['counter-offline', (c) => c.offline],
  ['counter-in-progress', (c) => c.inProgress],
  ['counter-submitted', (c) => c.submitted],
  ['counter-lobby', (c) => c.lobby],
  ['counter-not-started', (c) => c.notStarted],
  ['counter-alerts', (c) => c.alertsOpen],
];

const STATE_LABELS: Record<ProctorConnectionState, string> = {
  idle: 'idle',
  connecting: 'connecting…',
  connected: 'connected',
  syncing: 'loading roster…',
  live: 'live',
  reconnecting: 'reconnecting…',
  refused: 'signed out',
  closed: 'closed',
};

export function describeScope(scope: ProctorScope): string {
  if (scope.role === 'admin') return 'Administrator · whole sitting';
  const parts = [];
  if (scope.districts.length > 0) parts.push(`districts ${scope.districts.join(', ')}`);
  if (scope.centers.length > 0) parts.push(`centers ${scope.centers.join(', ')}`);
  return `Proctor · ${parts.join(' · ') || 'no centers'}`;
}

/** The page header: sitting title, scope, live counters, connection state and server clock. */
export class HeaderView {
  private readonly title = byTestId('sitting-title');
  private readonly scope = byTestId('scope');
  private readonly state = byTestId('connection-status');
  private readonly clock = byTestId('server-clock');
  private readonly shown = byTestId('visible-count');
  private readonly counters = COUNTERS.map(([testId, pick]) => ({ node: byTestId(testId), pick }));

  setSitting(title: string, scope: ProctorScope): void {
    setText(this.title, title);
    setText(this.scope, describeScope(scope));
    document.title = `${title} · proctor`;
  }

  setState(state: ProctorConnectionState, detail: string | undefined): void {
    setText(this.state, detail && state !== 'live' ? `${STATE_LABELS[state]} (${detail})` : STATE_LABELS[state]);
    this.state.dataset.state = state;
  }

  render(counters: ProctorCounters, serverNow: number, shown: number, selected: number): void {
    for (const { node, pick } of this.counters) setText(node, String(pick(counters)));
    setText(this.clock, formatClock(serverNow));
    setText(this.shown, `${shown} of ${counters.total} shown · ${selected} selected`);
  }
}
