import type { ProtocolError, RosterRow } from '@examhall/shared';
import type { ProctorClient } from '../../src/proctor/index.js';
import { ActionPanel } from './actions.js';
import type { CellContext, ColumnKey } from './columns.js';
import { byTestId, setText } from './dom.js';
import { FeedPanel } from './feed-panel.js';
import { FilterBar } from './filters.js';
import { HeaderView } from './header.js';
import { FrameScheduler } from './scheduler.js';
import { VirtualTable } from './table.js';
import { RosterView } from './view-model.js';

/** a row change that moves rows re-sorts at most this often (filter and sort clicks: at once) */
const RESORT_MS = 300;

/**
 * Wires the client to the views. Client events only mark what changed; one animation frame
 * re-sorts if needed, renders the visible rows, the header and the new feed lines.
 */
export class Dashboard {
  private readonly view: RosterView;
  private readonly table: VirtualTable;
  private readonly header = new HeaderView();
  private readonly feed: FeedPanel;
  private readonly filters: FilterBar;
  private readonly actions: ActionPanel;
  private readonly scheduler = new FrameScheduler(() => this.frame());
  private orderDirty = true;
  private orderNow = true;
  private lastOrderAt = -Infinity;
  private resortQueued = false;
  private tick = false;

  constructor(private readonly client: ProctorClient) {
    this.feed = new FeedPanel(byTestId('feed'), (id) => client.row(id)?.name);
    const source = { get roster() { return client.roster; }, context: () => this.context() };
    this.view = new RosterView(source);
    this.table = new VirtualTable(byTestId('table'), this.view, {
      row: (id) => client.row(id),
      context: () => this.context(),
      sortBy: (key: ColumnKey) => {
        this.view.toggleSort(key);
        this.invalidateOrder();
      },
      toggle: (id) => {
        if (!this.view.selected.delete(id)) this.view.selected.add(id);
        this.scheduler.request();
      },
      toggleAll: () => {
        this.view.toggleAllShown();
        this.scheduler.request();
      },
      scrolled: () => this.scheduler.request(),
    });
    this.filters = new FilterBar(this.view.filters, () => {
      this.table.scrollToTop();
      this.invalidateOrder();
    });
    this.actions = new ActionPanel({
      context: () => ({
        selected: [...this.view.selected],
        row: (id) => client.row(id),
        rowsInCenter: (center) => [...client.roster.values()].filter((row: RosterRow) => row.centerId === center),
      }),
      centers: () => this.centers(),
      serverNow: () => client.serverNow(),
      send: (action) => client.act(action),
    });
    byTestId('clear-selection').addEventListener('click', () => {
      this.view.selected.clear();
      this.scheduler.request();
    });
    client.on('snapshot', (snapshot) => {
      this.header.setSitting(snapshot.sittingTitle, snapshot.scope);
      this.filters.setCenters(this.centers());
      this.actions.setAdmin(snapshot.scope.role === 'admin');
      this.feed.reset(client.feed);
      this.view.pruneSelection();
      this.invalidateOrder();
    });
    client.on('rows', (ids) => {
      if (this.view.affectsOrder(ids)) this.orderDirty = true;
      this.scheduler.request();
    });
    client.on('feed', (lines) => {
      this.feed.add(lines);
      this.scheduler.request();
    });
    client.on('connection', (state, detail) => this.header.setState(state, detail));
    client.on('error', (error) => this.showError(error));
    setInterval(() => {
      this.tick = true;
      this.scheduler.request();
    }, 1_000);
  }

  showError(error: ProtocolError | string): void {
    const line = byTestId('error-line');
    setText(line, typeof error === 'string' ? error : `${error.code}: ${error.detail ?? error.message}`);
    line.hidden = false;
  }

  private invalidateOrder(): void {
    this.orderDirty = true;
    this.orderNow = true;
    this.scheduler.request();
  }

  private context(): CellContext {
    return { now: this.client.serverNow(), timeLeft: (id) => this.client.timeLeftMs(id) };
  }

  private centers(): string[] {
    const centers = new Set(this.client.scope?.centers ?? []);
    for (const row of this.client.roster.values()) centers.add(row.centerId);
    return [...centers].sort();
  }

  private frame(): void {
    const now = performance.now();
    if (this.orderDirty) {
      if (this.orderNow || now - this.lastOrderAt >= RESORT_MS) {
        this.view.recompute();
        this.orderDirty = false;
        this.orderNow = false;
        this.lastOrderAt = now;
      } else if (!this.resortQueued) {
        this.resortQueued = true;
        setTimeout(() => {
          this.resortQueued = false;
          this.scheduler.request();
        }, RESORT_MS - (now - this.lastOrderAt));
      }
    }
    this.table.render(this.tick);
    this.tick = false;
    this.header.render(this.client.counters, this.client.serverNow(), this.view.order.length, this.view.selected.size);
    this.actions.refresh(this.view.selected.size);
    this.feed.flush();
  }
}
