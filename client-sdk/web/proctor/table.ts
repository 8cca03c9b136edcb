import type { RosterRow } from '@examhall/shared';
import { COLUMNS, COLUMN_TEMPLATE, type CellContext, type ColumnKey } from './columns.js';
import { el } from './dom.js';
import type { RosterView } from './view-model.js';

export const ROW_HEIGHT = 34;
/** rows rendered above and below the visible ones, so a fast scroll shows no blank band */
const OVERSCAN = 8;

interface Slot {
  el: HTMLDivElement;
  box: HTMLInputElement;
  cells: HTMLDivElement[];
  html: string[];
  id: string | undefined;
  row: RosterRow | undefined;
  index: number;
}

export interface TableHooks {
  row(candidateId: string): RosterRow | undefined;
  context(): CellContext;
  /** a sort header, a row checkbox or the select-all box was clicked */
  sortBy(key: ColumnKey): void;
  toggle(candidateId: string): void;
  toggleAll(): void;
  /** the viewport scrolled or resized: a frame is needed */
  scrolled(): void;
}

/**
 * The roster table, virtualised: a spacer as tall as all shown rows and a small pool of
 * absolutely positioned row elements reused for the visible slice. A render touches only the
 * visible rows, and a cell only when its HTML changed; rows are compared by identity (the client
 * replaces a row object on every patch), so unchanged rows cost nothing.
 */
export class VirtualTable {
  private readonly viewport: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly selectAll: HTMLInputElement;
  private readonly sortButtons = new Map<ColumnKey, HTMLButtonElement>();
  private readonly slots: Slot[] = [];
  private spacerHeight = -1;

  constructor(root: HTMLElement, private readonly view: RosterView, private readonly hooks: TableHooks) {
    root.style.setProperty('--columns', COLUMN_TEMPLATE);
    root.style.setProperty('--row-height', `${ROW_HEIGHT}px`);
    this.selectAll = el('input', { type: 'checkbox', 'data-testid': 'select-all', title: 'Select all shown rows', 'aria-label': 'Select all shown rows' });
    this.selectAll.addEventListener('change', () => this.hooks.toggleAll());
    const header = el('div', { class: 'thead', role: 'row' }, el('div', { class: 'cell' }, this.selectAll));
    for (const column of COLUMNS) {
      const button = el('button', { type: 'button', class: 'sort', 'data-testid': `sort-${column.key}`, text: column.label });
      button.addEventListener('click', () => this.hooks.sortBy(column.key));
      this.sortButtons.set(column.key, button);
      header.append(el('div', { class: 'cell', role: 'columnheader' }, button));
    }
    this.spacer = el('div', { class: 'spacer' });
    this.viewport = el('div', { class: 'viewport', 'data-testid': 'roster', role: 'rowgroup' }, this.spacer);
    this.viewport.addEventListener('scroll', () => this.hooks.scrolled(), { passive: true });
    this.viewport.addEventListener('change', (event) => {
      const slot = this.slots.find((candidate) => candidate.box === event.target);
      if (slot?.id !== undefined) this.hooks.toggle(slot.id);
    });
    new ResizeObserver(() => this.hooks.scrolled()).observe(this.viewport);
    root.append(header, this.viewport);
  }

  /** Scrolls back to the top (after a filter change, the old position means nothing). */
  scrollToTop(): void {
    this.viewport.scrollTop = 0;
  }

  /** `tick`: the clock moved, re-render the clock-dependent cells of the visible rows. */
  render(tick: boolean): void {
    const order = this.view.order;
    const height = order.length * ROW_HEIGHT;
    if (height !== this.spacerHeight) {
      this.spacer.style.height = `${height}px`;
      this.spacerHeight = height;
    }
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil((this.viewport.clientHeight || 600) / ROW_HEIGHT) + 2 * OVERSCAN;
    while (this.slots.length < count) this.slots.push(this.createSlot());
    const ctx = this.hooks.context();
    this.slots.forEach((slot, i) => {
      const index = first + i;
      const id = index < order.length ? order[index] : undefined;
      const row = id === undefined ? undefined : this.hooks.row(id);
      if (!row) return this.hide(slot);
      this.fill(slot, row, index, ctx, tick);
    });
    this.renderHeader();
  }

  private renderHeader(): void {
    const { key, dir } = this.view.sort;
    for (const [columnKey, button] of this.sortButtons) {
      const active = columnKey === key;
      button.classList.toggle('active', active);
      button.dataset.dir = active ? (dir === 1 ? 'asc' : 'desc') : '';
      button.parentElement!.setAttribute('aria-sort', active ? (dir === 1 ? 'ascending' : 'descending') : 'none');
    }
    const all = this.view.allShownSelected();
    this.selectAll.checked = all;
    this.selectAll.indeterminate = !all && this.view.selected.size > 0;
  }

  private fill(slot: Slot, row: RosterRow, index: number, ctx: CellContext, tick: boolean): void {
    const changed = slot.id !== row.candidateId || slot.row !== row;
    if (slot.index !== index) {
      slot.el.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
      slot.index = index;
    }
    if (slot.id !== row.candidateId) {
      slot.el.dataset.candidateId = row.candidateId;
      slot.el.hidden = false;
    }
    slot.id = row.candidateId;
    slot.row = row;
    const selected = this.view.selected.has(row.candidateId);
    if (slot.box.checked !== selected) slot.box.checked = selected;
    slot.el.classList.toggle('selected', selected);
    if (!changed && !tick) return;
    slot.el.classList.toggle('offline', !row.online);
    slot.el.classList.toggle('has-alerts', row.alerts.length > 0);
    COLUMNS.forEach((column, c) => {
      if (!changed && !column.ticking) return;
      const html = column.html(row, ctx);
      if (html !== slot.html[c]) {
        slot.cells[c]!.innerHTML = html;
        slot.html[c] = html;
      }
    });
  }

  private hide(slot: Slot): void {
    if (slot.id === undefined) return;
    slot.el.hidden = true;
    slot.id = undefined;
    slot.row = undefined;
    delete slot.el.dataset.candidateId;
  }

  private createSlot(): Slot {
    const box = el('input', { type: 'checkbox', 'data-testid': 'row-select', 'aria-label': 'Select' });
    const cells = COLUMNS.map((column) => el('div', { class: `cell col-${column.key}`, 'data-col': column.key }));
    const row = el('div', { class: 'row', role: 'row', 'data-testid': 'roster-row', hidden: true }, el('div', { class: 'cell' }, box), ...cells);
    this.spacer.append(row);
    return { el: row, box, cells, html: cells.map(() => ''), id: undefined, row: undefined, index: -1 };
  }
}
