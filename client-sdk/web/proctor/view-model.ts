import type { RosterRow } from '@examhall/shared';
import { columnByKey, type CellContext, type ColumnKey } from './columns.js';

export interface Filters {
  center: string;
  status: string;
  online: '' | 'online' | 'offline';
  alerts: boolean;
  search: string;
}

export interface SortState {
  key: ColumnKey;
  dir: 1 | -1;
}

export interface RosterSource {
  readonly roster: ReadonlyMap<string, RosterRow>;
  context(): CellContext;
}

type Sortable = number | string | null;

/**
 * Which rows are shown and in what order: filters and sorting over the live roster, plus the
 * selection. The order is recomputed as a whole (cheap for thousands of rows), but only when a
 * changed row could move: each row's place (filtered in or out, sort value) is remembered.
 */
export class RosterView {
  filters: Filters = { center: '', status: '', online: '', alerts: false, search: '' };
  sort: SortState = { key: 'candidate', dir: 1 };
  order: string[] = [];
  readonly selected = new Set<string>();
  private placed = new Map<string, string>();

  constructor(private readonly source: RosterSource) {}

  recompute(): void {
    const ctx = this.source.context();
    const column = columnByKey(this.sort.key);
    const shown: Array<{ id: string; value: Sortable }> = [];
    this.placed = new Map();
    for (const row of this.source.roster.values()) {
      const value = column.sortValue(row, ctx);
      const pass = this.passes(row);
      this.placed.set(row.candidateId, placeKey(pass, value));
      if (pass) shown.push({ id: row.candidateId, value });
    }
    const dir = this.sort.dir;
    shown.sort((a, b) => {
      if (a.value === null || b.value === null) return a.value === b.value ? compareIds(a.id, b.id) : a.value === null ? 1 : -1;
      const byValue = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
      return byValue !== 0 ? byValue * dir : compareIds(a.id, b.id);
    });
    this.order = shown.map((entry) => entry.id);
  }

  /** Whether any of these changed rows left, entered or moved in the shown order. */
  affectsOrder(ids: readonly string[]): boolean {
    const ctx = this.source.context();
    const column = columnByKey(this.sort.key);
    for (const id of ids) {
      const row = this.source.roster.get(id);
      if (!row) return true;
      if (this.placed.get(id) !== placeKey(this.passes(row), column.sortValue(row, ctx))) return true;
    }
    return false;
  }

  toggleSort(key: ColumnKey): void {
    this.sort = this.sort.key === key ? { key, dir: this.sort.dir === 1 ? -1 : 1 } : { key, dir: 1 };
  }

  /** Selects every row the filters show, or clears the selection when all of them are selected already. */
  toggleAllShown(): void {
    if (this.allShownSelected()) for (const id of this.order) this.selected.delete(id);
    else for (const id of this.order) this.selected.add(id);
  }

  allShownSelected(): boolean {
    return this.order.length > 0 && this.order.every((id) => this.selected.has(id));
  }

  /** Drops selected ids that are no longer in the roster (after a new snapshot). */
  pruneSelection(): void {
    for (const id of this.selected) if (!this.source.roster.has(id)) this.selected.delete(id);
  }

  passes(row: RosterRow): boolean {
    const f = this.filters;
    if (f.center && row.centerId !== f.center) return false;
    if (f.status && !(f.status === 'submitted' ? row.status === 'submitted' || row.status === 'auto_submitted' : row.status === f.status)) return false;
    if (f.online && row.online !== (f.online === 'online')) return false;
    if (f.alerts && row.alerts.length === 0) return false;
    if (f.search) {
      const needle = f.search.toLowerCase();
      if (!row.name.toLowerCase().includes(needle) && !row.candidateId.toLowerCase().includes(needle)) return false;
    }
    return true;
  }
}

function placeKey(pass: boolean, value: Sortable): string {
  return `${pass ? 1 : 0}|${typeof value}|${String(value)}`;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
