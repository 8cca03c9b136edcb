import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, startTestNode } from '../helpers/node.js';
import { HAVE_CHROMIUM, launchBrowser, screenshot } from '../helpers/browser.js';
import { createProctorAccount, setProctorScope } from '../../src/auth/proctor-accounts.js';
import { seatsOf, type Seat } from '../security/helpers.js';

/** A proctor signs in on the dashboard with their account and sees the roster of their center. */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let browser: Browser;
let seats: Seat[];
let center: string;
const PASSWORD = 'correct horse battery staple';

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  env = await createTestEnv();
  node = await startTestNode(env.config);
  browser = await launchBrowser();
  seats = await seatsOf(env.sql, env.seeded.sittingId);
  center = seats[0]!.center;
  await createProctorAccount(env.sql, { id: 'p-form', name: 'Form Proctor', password: PASSWORD }, 'test');
  await setProctorScope(env.sql, 'p-form', { sittingId: env.seeded.sittingId, role: 'proctor', districts: [], centers: [center] }, 'test');
});
afterAll(async () => {
  await browser?.close();
  await node?.close();
  await env?.cleanup();
});

const shownCandidates = (page: Page) =>
  page.locator('[data-testid="roster-row"][data-candidate-id]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.candidateId!).sort());

describe.skipIf(!HAVE_CHROMIUM)('proctor sign-in on the dashboard', () => {
  it('explains a wrong password, then shows the roster of its center; the sign-in survives a reload, sign-out forgets it', async () => {
    const ofCenter = seats.filter((s) => s.center === center).map((s) => s.id).sort();
    expect(ofCenter.length).toBeLessThan(seats.length); // another center's candidates exist and must not show
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${node.port}/proctor/#sitting=${env.seeded.sittingId}`);
    await page.getByTestId('sign-in-form').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.getByTestId('sign-in-sitting').inputValue()).toBe(env.seeded.sittingId);

    await page.getByTestId('sign-in-proctor').fill('p-form');
    await page.getByTestId('sign-in-password').fill('not the password at all');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toMatch(/proctor ID and password do not match/);
    expect(await page.getByTestId('sign-in-error').getAttribute('data-code')).toBe('SIGN_IN_FAILED');
    await screenshot(page, 'proctor-sign-in-refused');

    await page.getByTestId('sign-in-password').fill(PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    await page.locator('[data-testid="roster-row"][data-candidate-id]').first().waitFor({ timeout: 15_000 });
    await expect.poll(() => shownCandidates(page), { timeout: 10_000 }).toEqual(ofCenter);
    expect(await page.getByTestId('sign-in').isHidden()).toBe(true);
    expect(await page.getByTestId('scope').textContent()).toContain(center);
    expect(await page.getByTestId('sign-out').textContent()).toBe('Sign out p-form');
    await screenshot(page, 'proctor-signed-in');

    // kept for this tab: a reload opens the dashboard again without asking
    await page.reload();
    await expect.poll(() => shownCandidates(page), { timeout: 15_000 }).toEqual(ofCenter);
    expect(await page.getByTestId('sign-in').isHidden()).toBe(true);

    // sign out: the form again (sitting prefilled), and a reload does not bring the token back
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-form').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.getByTestId('sign-in-sitting').inputValue()).toBe(env.seeded.sittingId);
    expect(await page.evaluate(() => sessionStorage.getItem('examhall:proctor:token'))).toBeNull();
    await page.reload();
    await page.getByTestId('sign-in-form').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('[data-testid="roster-row"][data-candidate-id]').count()).toBe(0);
  });

  it('still opens straight from a #token= link', async () => {
    const token = await proctorTokenFor(env.config, 'p-link', { sittingId: env.seeded.sittingId, role: 'proctor', centers: [center], districts: [] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${node.port}/proctor/#token=${token}`);
    await expect.poll(() => shownCandidates(page), { timeout: 15_000 }).toEqual(seats.filter((s) => s.center === center).map((s) => s.id).sort());
    expect(await page.getByTestId('sign-in').isHidden()).toBe(true);
    expect(page.url()).not.toContain('token=');
  });

  it('takes a pasted token from the sign-in panel', async () => {
    const token = await proctorTokenFor(env.config, 'p-paste', { sittingId: env.seeded.sittingId, role: 'proctor', centers: [center], districts: [] });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`http://127.0.0.1:${node.port}/proctor/`);
    await page.getByTestId('token-paste-toggle').click();
    await page.getByTestId('token-input').fill('not-a-token');
    await page.getByTestId('token-submit').click();
    await expect.poll(() => page.getByTestId('sign-in-error').textContent()).toMatch(/not a whole token/);
    await page.getByTestId('token-input').fill(token);
    await page.getByTestId('token-submit').click();
    await expect.poll(() => shownCandidates(page), { timeout: 15_000 }).toContain(seats.find((s) => s.center === center)!.id);
  });
});
