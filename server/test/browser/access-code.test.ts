import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { startTestNode } from '../helpers/node.js';
import { HAVE_CHROMIUM, launchBrowser, screenshot } from '../helpers/browser.js';
import { issueAccessCodes } from '../../src/auth/access-codes.js';

/** A candidate signs in on the exam page with the id and access code an invigilator handed out. */
let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let browser: Browser;
let code: string;

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  env = await createTestEnv();
  node = await startTestNode(env.config);
  browser = await launchBrowser();
  code = (await issueAccessCodes(env.sql, env.seeded.sittingId, ['cand-000007']))[0]!.accessCode;
});
afterAll(async () => {
  await browser?.close();
  await node?.close();
  await env?.cleanup();
});

describe.skipIf(!HAVE_CHROMIUM)('access-code sign-in on the exam page', () => {
  it('explains a wrong code, then opens the paper with the right one', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
    await page.goto(`http://127.0.0.1:${node.port}/exam/#sitting=${env.seeded.sittingId}`);
    await page.getByTestId('candidate-input').fill('cand-000007');
    await page.getByTestId('access-code-input').fill('ABCDEFGHJK');
    await page.getByTestId('access-submit').click();
    await expect.poll(() => page.getByTestId('access-error').textContent()).toMatch(/do not match/);
    await screenshot(page, 'exam-access-code-refused');
    await page.getByTestId('access-code-input').fill(code.toLowerCase());
    await page.getByTestId('access-submit').click();
    await page.getByTestId('question-text').waitFor({ timeout: 15_000 });
    // the token it got is kept for this tab: a reload goes straight back to the paper
    await page.reload();
    await page.getByTestId('question-text').waitFor({ timeout: 15_000 });
  });
});
