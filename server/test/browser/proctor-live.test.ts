import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, startTestNode, tokenFor } from '../helpers/node.js';
import { HAVE_CHROMIUM, launchBrowser, screenshot } from '../helpers/browser.js';

/**
 * The two browser apps against one real server (gateway + worker, Postgres, Redis): a proctor
 * watches a candidate answer, extends the candidate's time, and the candidate's timer moves.
 */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let browser: Browser;
let centerOfFirst: string;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  env = await createTestEnv({ PROCTOR_FEED_INTERVAL_MS: 100 });
  node = await startTestNode(env.config);
  browser = await launchBrowser();
  const [row] = await env.sql.unsafe<{ center_id: string }[]>("SELECT center_id FROM candidates WHERE id = 'cand-000001'");
  centerOfFirst = row!.center_id;
});
afterAll(async () => {
  await browser?.close();
  await node?.close();
  await env?.cleanup();
});

const base = () => `http://127.0.0.1:${node.port}`;
const remainingMs = async (page: Page) => Number(await page.getByTestId('timer').getAttribute('data-remaining-ms'));
const rosterRow = (page: Page, candidateId: string) => page.locator(`[data-testid="roster-row"][data-candidate-id="${candidateId}"]`);

/** Answers the question on screen: the first option, or a number/text where there are no options. */
async function answerCurrent(page: Page): Promise<void> {
  const option = page.getByTestId('option').first();
  if (await option.count()) return void (await option.click());
  const input = page.getByTestId('answer-input').first();
  await input.fill('42');
}

describe.skipIf(!HAVE_CHROMIUM)('exam page and proctor dashboard together', () => {
  it('shows the candidate live to the proctor, and the proctor’s extension on the candidate’s timer', async () => {
    const candidate = await browser.newPage();
    await candidate.goto(`${base()}/exam/#token=${await tokenFor(env.config, 'cand-000001', env.seeded.sittingId)}`);
    await candidate.getByTestId('timer').waitFor({ state: 'visible', timeout: 15_000 });

    const proctor = await browser.newPage({ viewport: { width: 1400, height: 800 } });
    const proctorToken = await proctorTokenFor(env.config, 'p-browser', { sittingId: env.seeded.sittingId, role: 'proctor', centers: [centerOfFirst], districts: [] });
    await proctor.goto(`${base()}/proctor/#token=${proctorToken}`);
    const row = rosterRow(proctor, 'cand-000001');
    await row.waitFor({ state: 'visible', timeout: 15_000 });
    await expect.poll(() => row.textContent(), { timeout: 10_000 }).toMatch(/in.progress/i);

    // the candidate answers; the proctor's row counts it (after it is committed) within a second or so
    await answerCurrent(candidate);
    await expect.poll(() => candidate.getByTestId('save-indicator').textContent(), { timeout: 10_000 }).toMatch(/all answers saved/i);
    await expect.poll(() => row.locator('[data-col="answered"]').textContent(), { timeout: 5_000 }).toBe('1/20');
    await expect.poll(() => proctor.locator('[data-testid="feed-line"][data-kind="saved"][data-candidate-id="cand-000001"]').count(), { timeout: 5_000 }).toBeGreaterThan(0);

    // the proctor extends this candidate by 10 minutes; the candidate's countdown jumps by that much
    const before = await remainingMs(candidate);
    await row.getByTestId('row-select').check();
    await proctor.getByTestId('action-extend').click();
    await proctor.getByTestId('action-minutes').fill('10');
    await proctor.getByTestId('action-reason').fill('fire drill in hall B');
    await proctor.getByTestId('action-submit').click();
    await expect.poll(() => proctor.getByTestId('action-result').textContent(), { timeout: 10_000 }).toContain('applied 1, failed 0');
    await expect.poll(async () => (await remainingMs(candidate)) - before, { timeout: 5_000 }).toBeGreaterThan(9 * 60_000);
    expect((await remainingMs(candidate)) - before).toBeLessThan(10 * 60_000 + 5_000);

    await screenshot(candidate, 'exam-page-extended');
    await screenshot(proctor, 'proctor-dashboard-live');
    const audit = await env.sql.unsafe<{ actor: string; details: { reason?: string } }[]>(
      "SELECT actor, details FROM audit_log WHERE action = 'attempt.extended' ORDER BY id DESC LIMIT 1",
    );
    expect(audit[0]).toMatchObject({ actor: 'proctor:p-browser', details: { reason: 'fire drill in hall B' } });
  });
});
