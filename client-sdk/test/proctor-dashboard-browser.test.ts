/**
 * The proctor dashboard in a real browser against the fake /proctor peer (no real server): a
 * 2,000-row snapshot, a burst of deltas, sorting, filtering, and actions sending the right frames.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protocolError, type FeedEntry } from '@examhall/shared';
import { HAVE_CHROMIUM, launchBrowser, screenshot } from '../../server/test/helpers/browser.js';
import { ProctorPeer, alert, candidateId, makeRows } from './proctor-peer.js';

const ROWS = 2_000;
/** built by client-sdk/web/build.ts, which vitest's global setup runs before any test file */
const BUILT_APP = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'web', 'proctor');

/** The rendered rows, top to bottom: candidate id and the text of one cell (read in one go: rows are reused). */
function shownRows(page: Page, cell = '.name'): Promise<Array<{ id: string; text: string }>> {
  return page.evaluate((selector) =>
    [...document.querySelectorAll<HTMLElement>('[data-testid="roster-row"]:not([hidden])')]
      .map((row) => ({ id: row.dataset.candidateId!, text: row.querySelector(selector)?.textContent ?? '', y: Number(/translateY\(([\d.]+)px\)/.exec(row.style.transform)?.[1] ?? -1) }))
      .sort((a, b) => a.y - b.y)
      .map(({ id, text }) => ({ id, text })),
  cell);
}

async function shownIds(page: Page): Promise<string[]> {
  return (await shownRows(page)).map((row) => row.id);
}

const row = (page: Page, id: string) => page.locator(`[data-testid="roster-row"][data-candidate-id="${id}"]`);
const text = (page: Page, testId: string) => page.getByTestId(testId).textContent();

describe.skipIf(!HAVE_CHROMIUM)('proctor dashboard (fake peer)', () => {
  let peer: ProctorPeer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
    if (!existsSync(join(BUILT_APP, 'main.js'))) throw new Error('build the web apps first: npm run build:web');
    peer = await ProctorPeer.start({ staticDir: BUILT_APP });
    peer.rows = makeRows(ROWS, ['c1', 'c2'], peer.serverNow());
    const now = peer.serverNow();
    peer.feed = Array.from({ length: 30 }, (_, i): FeedEntry => ({ at: now - i * 1_000, candidateId: candidateId(i), kind: 'saved', text: `${candidateId(i)} saved q${i}` }));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    page.setDefaultTimeout(5_000);
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    await page.goto(`${peer.url}/proctor/#token=proctor-test-token`);
    await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor({ timeout: 10_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await peer?.close();
  });

  it('shows the snapshot: title, counters, a virtualised table; the token left the address bar', async () => {
    expect(peer.handshakeTokens).toContain('proctor-test-token');
    expect(await page.evaluate(() => location.hash)).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('examhall:proctor:token'))).toBe('proctor-test-token');
    expect(await text(page, 'sitting-title')).toBe(peer.sittingTitle);
    expect(await text(page, 'scope')).toContain('c1, c2');
    const online = peer.rows.filter((r) => r.online).length;
    await expect.poll(() => text(page, 'counter-online')).toBe(String(online));
    expect(await text(page, 'counter-in-progress')).toBe('1800');
    expect(await text(page, 'counter-lobby')).toBe('200');
    expect(await text(page, 'counter-alerts')).toBe('40');
    expect(await text(page, 'visible-count')).toContain(`${ROWS} of ${ROWS} shown`);
    const ids = await shownIds(page);
    expect(ids.length).toBeGreaterThan(20);
    expect(ids.length).toBeLessThan(80); // only the visible slice is in the DOM
    expect(await page.getByTestId('feed-line').count()).toBe(30);
    expect(await page.getByTestId('action-incident-pause').isHidden()).toBe(true); // not an admin
  });

  it('applies a burst of deltas without rebuilding the table', async () => {
    const [first] = await shownIds(page);
    await page.evaluate(() => {
      const w = window as unknown as { longest: number };
      w.longest = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) w.longest = Math.max(w.longest, entry.duration);
      }).observe({ type: 'longtask', buffered: false });
    });
    const marker = await row(page, first!).elementHandle();
    const now = peer.serverNow();
    for (let batch = 0; batch < 40; batch++) {
      const patches = Array.from({ length: 50 }, (_, i) => ({ candidateId: candidateId((batch * 50 + i * 37) % ROWS), at: now + batch, answered: 39, lastSaveAt: now }));
      const feed: FeedEntry[] = patches.slice(0, 5).map((patch) => ({ at: now + batch, candidateId: patch.candidateId, kind: 'saved', text: `${patch.candidateId} saved` }));
      peer.send(peer.delta(batch % 2 ? 'c2' : 'c1', patches, feed));
    }
    peer.send(peer.delta('c1', [{ candidateId: first!, at: now + 100, answered: 17, online: false, onlineChangedAt: now, alerts: [alert(9_001, 'second_device', now, 2)] }]));
    await expect.poll(() => row(page, first!).locator('[data-col="answered"]').textContent()).toBe('17/40');
    await expect.poll(() => row(page, first!).locator('[data-testid="alert-badge"]').textContent()).toBe('2nd device ×2');
    expect(await row(page, first!).locator('[data-col="online"]').textContent()).toMatch(/^offline/);
    // the same element was patched in place
    expect(await marker!.evaluate((element) => element.isConnected)).toBe(true);
    expect(await page.getByTestId('feed-line').count()).toBe(200);
    const longest = await page.evaluate(() => (window as unknown as { longest: number }).longest);
    console.info(`proctor dashboard: longest task during the burst ${Math.round(longest)} ms`);
    expect(longest).toBeLessThan(400);
  });

  it('sorts by any column', async () => {
    const topValue = async (cell: string) => (await shownRows(page, cell))[0]?.text;
    await page.getByTestId('sort-candidate').click(); // already ascending by name: now descending
    const sorted = [...peer.rows.map((r) => r.name)].sort((a, b) => b.toLowerCase().localeCompare(a.toLowerCase()));
    await expect.poll(() => topValue('.name')).toBe(sorted[0]);
    await page.getByTestId('sort-answered').click();
    // the burst set every row to 39 but the one patched last
    await expect.poll(() => topValue('[data-col="answered"]')).toBe('17/40');
    await page.getByTestId('sort-answered').click(); // descending
    await expect.poll(() => topValue('[data-col="answered"]')).toBe('39/40');
    await page.getByTestId('sort-alerts').click();
    await page.getByTestId('sort-alerts').click();
    await expect.poll(() => topValue('[data-col="alerts"]')).not.toBe('');
    expect(await page.getByTestId('sort-alerts').getAttribute('data-dir')).toBe('desc');
    expect(await page.getByTestId('sort-alerts').locator('..').getAttribute('aria-sort')).toBe('descending');
  });

  it('renders the rows scrolled to, and only those', async () => {
    await page.getByTestId('sort-candidate').click();
    const last = [...peer.rows].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? 1 : a.name.toLowerCase() > b.name.toLowerCase() ? -1 : a.candidateId < b.candidateId ? 1 : -1))[0]!;
    await page.getByTestId('roster').evaluate((viewport) => (viewport.scrollTop = viewport.scrollHeight));
    await expect.poll(async () => (await shownIds(page)).at(-1)).toBe(last.candidateId);
    expect((await shownIds(page)).length).toBeLessThan(80);
    await page.getByTestId('roster').evaluate((viewport) => (viewport.scrollTop = 0));
  });

  it('filters by search, status, center, connection and alerts', async () => {
    await page.getByTestId('filter-search').fill('cand-01234');
    await expect.poll(() => shownIds(page)).toEqual(['cand-01234']);
    expect(await text(page, 'visible-count')).toContain(`1 of ${ROWS}`);
    await page.getByTestId('filter-search').fill('');
    await page.getByTestId('filter-status').selectOption('lobby');
    await expect.poll(() => text(page, 'visible-count')).toContain(`200 of ${ROWS}`);
    await page.getByTestId('filter-center').selectOption('c2');
    await expect.poll(() => text(page, 'visible-count')).toContain(`100 of ${ROWS}`);
    for (const id of await shownIds(page)) expect(peer.rows.find((r) => r.candidateId === id)).toMatchObject({ status: 'lobby', centerId: 'c2' });
    await page.getByTestId('filter-status').selectOption('');
    await page.getByTestId('filter-center').selectOption('');
    await page.getByTestId('filter-online').selectOption('offline');
    await expect.poll(() => text(page, 'visible-count')).toContain(`${peer.rows.filter((r) => !r.online).length + 1} of`);
    await page.getByTestId('filter-online').selectOption('');
    await page.getByTestId('filter-alerts').check();
    await expect.poll(() => text(page, 'visible-count')).toContain(`41 of ${ROWS}`);
    await page.getByTestId('filter-alerts').uncheck();
    await expect.poll(() => text(page, 'visible-count')).toContain(`${ROWS} of ${ROWS}`);
  });

  it('sends actions with the right frames and shows the reply', async () => {
    await page.getByTestId('filter-search').fill('Asha Rao');
    await expect.poll(() => text(page, 'visible-count')).toContain(`13 of ${ROWS}`);
    await page.getByTestId('select-all').check();
    await expect.poll(() => text(page, 'visible-count')).toContain('13 selected');
    await page.getByTestId('select-all').uncheck();
    await expect.poll(() => text(page, 'visible-count')).toContain('0 selected');
    const ids = (await shownIds(page)).slice(0, 3);
    for (const id of ids) await row(page, id).getByTestId('row-select').check();
    await expect.poll(() => text(page, 'visible-count')).toContain('3 selected');

    await page.getByTestId('action-extend').click();
    await page.getByTestId('action-minutes').fill('5');
    await page.getByTestId('action-submit').click();
    expect(await text(page, 'action-error')).toMatch(/reason/i);
    const before = peer.actions.length;
    await page.getByTestId('action-reason').fill('power cut in room 4');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => text(page, 'action-result')).toContain('applied 3, failed 0');
    expect(peer.actions.slice(before)).toEqual([{ kind: 'extend', target: { candidates: ids }, seconds: 300, reason: 'power cut in room 4' }]);

    // a center-wide message needs no reason
    await page.getByTestId('action-message').click();
    await page.getByTestId('target-center').check();
    await page.getByTestId('action-center').selectOption('c2');
    await page.getByTestId('action-text').fill('Thirty minutes left');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => peer.actions.length).toBe(before + 2);
    expect(peer.actions.at(-1)).toEqual({ kind: 'message', target: { centers: ['c2'] }, text: 'Thirty minutes left' });

    // terminate asks for a confirmation; a refusal shows its code
    peer.setOptions({ onAction: (action) => ({ ok: true, data: { kind: action.kind, applied: 2, failed: 1, outcomes: [{ candidateId: ids[0], ok: false, error: 'ATTEMPT_CLOSED' }, { candidateId: ids[1], ok: true }, { candidateId: ids[2], ok: true }] } }) });
    await page.getByTestId('action-terminate').click();
    await page.getByTestId('action-reason').fill('impersonation');
    await page.getByTestId('action-submit').click();
    expect(await text(page, 'action-error')).toMatch(/confirm/i);
    await page.getByTestId('action-confirm').check();
    await page.getByTestId('action-submit').click();
    await expect.poll(() => text(page, 'action-result')).toContain('applied 2, failed 1');
    expect(await page.getByTestId('action-failure').textContent()).toBe(`${ids[0]}: ATTEMPT_CLOSED`);
    expect(peer.actions.at(-1)).toEqual({ kind: 'terminate', target: { candidates: ids }, reason: 'impersonation' });

    peer.setOptions({ onAction: () => ({ ok: false, error: protocolError('SCOPE_FORBIDDEN') }) });
    await page.getByTestId('action-compensate').click();
    await page.getByTestId('action-reason').fill('router down');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => text(page, 'action-result')).toContain('SCOPE_FORBIDDEN');
    const compensate = peer.actions.at(-1)!;
    expect(compensate).toMatchObject({ kind: 'compensate', target: { candidates: ids }, reason: 'router down' });
    if (compensate.kind !== 'compensate') throw new Error('unexpected');
    expect(compensate.to - compensate.from).toBe(15 * 60_000);
    expect(Math.abs(compensate.to - peer.serverNow())).toBeLessThan(61_000); // minute precision
    peer.setOptions({ onAction: undefined });
  });

  it('re-watches after the connection drops and keeps going', async () => {
    const watches = peer.watches;
    peer.dropConnections();
    await expect.poll(() => peer.watches, { timeout: 10_000 }).toBe(watches + 1);
    await page.locator('[data-testid="connection-status"][data-state="live"]').waitFor();
    await page.getByTestId('filter-search').fill('');
    peer.send(peer.delta('c1', [{ candidateId: candidateId(0), at: peer.serverNow() + 1, paused: true }], [{ at: peer.serverNow(), candidateId: candidateId(0), kind: 'action', text: 'paused by proctor' }]));
    await page.getByTestId('sort-candidate').click();
    await page.getByTestId('filter-search').fill(candidateId(0));
    await expect.poll(() => row(page, candidateId(0)).locator('.badge.paused').count()).toBe(1);
    expect(await page.getByTestId('feed-line').first().getAttribute('data-kind')).toBe('action');
    await page.getByTestId('filter-search').fill('');
    await expect.poll(() => text(page, 'visible-count')).toContain(`${ROWS} of ${ROWS}`);
    expect(pageErrors).toEqual([]);
  });

  it('offers the incident pause of the whole sitting to an admin', async () => {
    peer.scope = { ...peer.scope, role: 'admin' };
    const watches = peer.watches;
    peer.dropConnections();
    await expect.poll(() => peer.watches, { timeout: 10_000 }).toBe(watches + 1);
    await page.getByTestId('action-incident-pause').waitFor({ state: 'visible' });
    expect(await text(page, 'scope')).toContain('Administrator');
    await page.getByTestId('action-incident-pause').click();
    expect(await page.getByTestId('target-selected').isHidden()).toBe(true);
    await page.getByTestId('action-reason').fill('fire alarm');
    await page.getByTestId('action-submit').click();
    await expect.poll(() => peer.actions.at(-1)).toEqual({ kind: 'pause', target: { sitting: true }, reason: 'fire alarm' });
    await expect.poll(() => text(page, 'action-result')).toContain('Incident pause');
    await screenshot(page, 'proctor-dashboard-fake');
  });
});
