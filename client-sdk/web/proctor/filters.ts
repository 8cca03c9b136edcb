import { byTestId, el } from './dom.js';
import { STATUS_LABELS } from './format.js';
import type { Filters } from './view-model.js';

/** The filter bar: center, status, online/offline, has alerts, free text. Calls back on every change. */
export class FilterBar {
  private readonly center = byTestId<HTMLSelectElement>('filter-center');
  private readonly status = byTestId<HTMLSelectElement>('filter-status');
  private readonly online = byTestId<HTMLSelectElement>('filter-online');
  private readonly alerts = byTestId<HTMLInputElement>('filter-alerts');
  private readonly search = byTestId<HTMLInputElement>('filter-search');
  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly filters: Filters,
    private readonly changed: () => void,
  ) {
    const statuses = ['not_started', 'lobby', 'in_progress', 'submitted', 'terminated'];
    this.status.append(...statuses.map((status) => el('option', { value: status, text: status === 'submitted' ? 'submitted (incl. auto)' : STATUS_LABELS[status]! })));
    this.center.addEventListener('change', () => this.update({ center: this.center.value }));
    this.status.addEventListener('change', () => this.update({ status: this.status.value }));
    this.online.addEventListener('change', () => this.update({ online: this.online.value as Filters['online'] }));
    this.alerts.addEventListener('change', () => this.update({ alerts: this.alerts.checked }));
    // typing in a 40,000-row roster: filter once the typing pauses
    this.search.addEventListener('input', () => {
      clearTimeout(this.searchTimer);
      this.searchTimer = setTimeout(() => this.update({ search: this.search.value.trim() }), 120);
    });
  }

  /** Offers these centers (from the roster and the scope). */
  setCenters(centers: string[]): void {
    const current = this.center.value;
    this.center.replaceChildren(el('option', { value: '', text: 'all centers' }), ...centers.map((id) => el('option', { value: id, text: id })));
    this.center.value = centers.includes(current) ? current : '';
    if (this.center.value !== this.filters.center) this.update({ center: this.center.value });
  }

  private update(change: Partial<Filters>): void {
    Object.assign(this.filters, change);
    this.changed();
  }
}
