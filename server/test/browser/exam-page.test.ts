import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProctorAction } from '@examhall/shared';
import { startSitting } from '../../src/attempts/start-signal.js';
import type { ProctorIdentity } from '../../src/auth/tokens.js';
import { seedDemo } from '../../src/exam/seed.js';
import { ProctorActions } from '../../src/proctor/actions.js';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { startTestNode, tokenFor } from '../helpers/node.js';
import { HAVE_CHROMIUM, launchBrowser, screenshot } from '../helpers/browser.js';

/**
 * The candidate's exam page (client-sdk/web/exam) in Debian's chromium against a real node:
 * gateway + workers, Postgres, Redis, the page served by the gateway at /exam/. The page is
 * built once for all test files by vitest.global-setup.ts (client-sdk/web/build.ts).
 */
const BUILT_PAGE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'client-sdk', 'dist', 'web', 'exam', 'main.js');

let env: TestEnv;
let node: Awaited<ReturnType<typeof startTestNode>>;
let browser: Browser;
let baseUrl: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!HAVE_CHROMIUM) return;
  if (!existsSync(BUILT_PAGE)) throw new Error(`${BUILT_PAGE} is missing: run through vitest (its globalSetup builds it) or \`npm run build:web\``);
  env = await createTestEnv();
  // the page connects to its own origin, which the gateway always allows
  node = await startTestNode(env.config);
  baseUrl = `http://127.0.0.1:${node.port}`;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await node?.close();
  await env?.cleanup();
});

describe.skipIf(!HAVE_CHROMIUM)('the exam page', () => {
  it('keeps answers, flags, position and the clock across a reload, including what was typed just before it', async () => {
    const { page, framesSent } = await openExam('cand-000001');
    expect(page.url()).toBe(`${baseUrl}/exam/`); // the token left the address bar
    await expect.poll(() => page.title()).toBe('Exam');

    const first = await answerCurrent(page, 'a');
    await page.getByTestId('flag-toggle').click();
    await page.getByTestId('nav-next').click();
    const second = await answerCurrent(page, 'b');
    await waitForIndicator(page, 'All answers saved');

    // the next question that takes typing: typed, and the page reloaded at once (inside the
    // 400 ms typing pause): the page hands it to the SDK's outbox in localStorage on pagehide
    await page.getByTestId('nav-next').click();
    while ((await page.getByTestId('answer-input').count()) === 0) await page.getByTestId('nav-next').click();
    const typedId = await currentQuestionId(page);
    const typedKind = await questionKind(page);
    await page.getByTestId('answer-input').pressSequentially('17');
    await screenshot(page, 'exam-mid-exam');
    const remainingBefore = await remainingMs(page);
    await page.reload();

    await page.getByTestId('question-text').waitFor();
    expect(await currentQuestionId(page)).toBe(typedId); // back on the question that was on screen
    await expect.poll(() => page.getByTestId('answer-input').inputValue()).toBe('17');
    const remainingAfter = await remainingMs(page);
    expect(remainingAfter).toBeLessThanOrEqual(remainingBefore); // not reset to the full duration
    const [attempt] = await env.sql.unsafe<Array<{ id: string; deadline: number }>>(
      `SELECT id, (extract(epoch FROM deadline_at) * 1000)::bigint::float8 AS deadline FROM attempts WHERE candidate_id = 'cand-000001'`,
    );
    // the test process shares the server's clock: the page's countdown is the server's deadline
    expect(Math.abs(remainingAfter - (attempt!.deadline - Date.now()))).toBeLessThan(2_000);

    for (const answered of [first, second]) {
      await page.locator(`[data-testid=palette-item][data-question-id="${answered.questionId}"]`).click();
      await expect.poll(() => shownAnswer(page)).toBe(answered.shown);
    }
    expect(await paletteFlag(page, first.questionId)).toBe('true');
    expect(await paletteFlag(page, second.questionId)).toBe('false');
    expect(await paletteFlag(page, typedId)).toBe('false');

    await waitForIndicator(page, 'All answers saved');
    const stored = await storedAnswers(attempt!.id);
    expect(stored.get(first.questionId)).toEqual(first.value);
    expect(stored.get(second.questionId)).toEqual(second.value);
    // every question shown was reported to the proctors (candidate:activity, navigate)
    const navigated = framesSent.filter((frame) => frame.includes('"candidate:activity"') && frame.includes('"navigate"'));
    for (const id of [first.questionId, second.questionId, typedId]) expect(navigated.some((frame) => frame.includes(`"questionId":"${id}"`))).toBe(true);
    expect(stored.get(typedId)).toEqual(typedKind === 'numeric' ? { kind: 'numeric', value: 17 } : { kind: 'text', text: '17' });
  });

  it('says "Offline: N answers waiting" while offline, then drains the outbox into Postgres when back', async () => {
    const { page, context } = await openExam('cand-000002');
    const online = await answerCurrent(page, 'a');
    await waitForIndicator(page, 'All answers saved');
    const attemptId = await attemptIdOf('cand-000002');

    // What context.setOffline(true) does in this chromium (156, checked with a bare WebSocket):
    // the window gets 'offline' (navigator.onLine = false) and new connections fail, but a
    // WebSocket that is already open is NOT closed: it stays readyState OPEN while frames in
    // either direction are silently dropped (see also playwright#4910). That is what a real
    // network loss looks like too, until TCP or socket.io's heartbeat (pingInterval + pingTimeout,
    // ~45 s by default) notices. So the SDK listens to 'offline' and closes the transport at once
    // (ExamClientOptions.networkEvents, on by default in browsers): the page shows the truth
    // (offline, answers waiting in the outbox), socket.io's reconnects fail like any request
    // while offline, and 'online' reconnects at once instead of after the backoff.
    await context.setOffline(true);
    await waitForIndicator(page, /^Offline: /);
    await page.getByTestId('nav-next').click();
    const offline1 = await answerCurrent(page, 'b');
    await page.getByTestId('nav-next').click();
    const offline2 = await answerCurrent(page, 'c');
    await page.getByTestId('nav-next').click(); // leaving the question hands over any typing at once
    await waitForIndicator(page, 'Offline: 2 answers waiting');
    await screenshot(page, 'exam-offline-indicator');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    let stored = await storedAnswers(attemptId);
    expect(stored.has(offline1.questionId) || stored.has(offline2.questionId)).toBe(false); // honest: not there yet

    await context.setOffline(false);
    await waitForIndicator(page, 'All answers saved', 15_000);
    await screenshot(page, 'exam-back-online');
    stored = await storedAnswers(attemptId);
    expect(stored.get(online.questionId)).toEqual(online.value);
    expect(stored.get(offline1.questionId)).toEqual(offline1.value);
    expect(stored.get(offline2.questionId)).toEqual(offline2.value);
  });

  it("shows the proctor's message, extension, pause and lock, then submits after a confirmation", async () => {
    const { page } = await openExam('cand-000003');
    const act = proctorActions();
    const toMe = { candidates: ['cand-000003'] };
    await answerCurrent(page, 'a');

    await act({ kind: 'message', target: toMe, text: 'Please keep your phone in your bag.' });
    const message = page.getByTestId('message');
    await expect.poll(() => message.textContent()).toContain('Please keep your phone in your bag.');
    await page.getByTestId('message-dismiss').click();
    await expect.poll(() => message.count()).toBe(0);

    const before = await remainingMs(page);
    await act({ kind: 'extend', target: toMe, seconds: 600, reason: 'late start in room 4' });
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Your time was extended by 10 minutes');
    await expect.poll(async () => (await remainingMs(page)) - before).toBeGreaterThan(590_000);

    await act({ kind: 'pause', target: toMe, reason: 'fire drill' });
    await expect.poll(() => page.getByTestId('hold-notice').textContent()).toContain('Paused by the proctor');
    expect(await page.getByTestId('timer').textContent()).toContain('Paused');
    expect(await page.locator('.paper-layout').evaluate((layout) => (layout as HTMLElement).inert)).toBe(true);
    expect(await page.getByTestId('submit-button').isDisabled()).toBe(true);
    const frozen = await remainingMs(page);
    await screenshot(page, 'exam-paused');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await remainingMs(page)).toBe(frozen);
    await act({ kind: 'resume', target: toMe, reason: 'drill over' });
    await expect.poll(() => page.getByTestId('hold-notice').isHidden()).toBe(true);
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('resumed');

    await act({ kind: 'lock', target: toMe, reason: 'talking to a neighbour' });
    await expect.poll(() => page.getByTestId('hold-notice').textContent()).toContain('locked');
    expect(await page.locator('.paper-layout').evaluate((layout) => (layout as HTMLElement).inert)).toBe(true);
    await screenshot(page, 'exam-locked');
    await act({ kind: 'unlock', target: toMe, reason: 'warned' });
    await expect.poll(() => page.getByTestId('hold-notice').isHidden()).toBe(true);

    await page.getByTestId('submit-button').click();
    await expect.poll(() => page.getByTestId('submit-summary').textContent()).toMatch(/^You answered 1 of 20 questions\. 19 questions are not answered\./);
    await screenshot(page, 'exam-submit-dialog');
    await page.getByTestId('submit-confirm').click();
    await page.getByTestId('finished').waitFor();
    expect(await page.getByTestId('submitted-at').textContent()).toMatch(/^Your answers were submitted at \d{1,2}:\d{2}/);
    await screenshot(page, 'exam-submitted');
    const [row] = await env.sql.unsafe<Array<{ status: string }>>(`SELECT status FROM attempts WHERE candidate_id = 'cand-000003'`);
    expect(row!.status).toBe('submitted');

    await page.reload(); // the finished screen again, not the paper
    await page.getByTestId('finished').waitFor();
  });

  it('a second window takes the exam over; the first blocks input until the candidate continues there', async () => {
    const first = await openExam('cand-000007');
    const answered = await answerCurrent(first.page, 'a');
    await waitForIndicator(first.page, 'All answers saved');
    const second = await openExam('cand-000007');
    await expect.poll(() => first.page.getByTestId('banner').textContent()).toContain('opened in another window');
    expect(await first.page.locator('.paper-layout').evaluate((layout) => (layout as HTMLElement).inert)).toBe(true);
    await second.page.locator(`[data-testid=palette-item][data-question-id="${answered.questionId}"]`).click();
    await expect.poll(() => shownAnswer(second.page)).toBe(answered.shown); // the answer followed
    await screenshot(first.page, 'exam-taken-over');

    await first.page.getByTestId('takeover-continue').click();
    await expect.poll(() => first.page.getByTestId('banner').isHidden()).toBe(true);
    expect(await first.page.locator('.paper-layout').evaluate((layout) => (layout as HTMLElement).inert)).toBe(false);
    await expect.poll(() => second.page.getByTestId('banner').textContent()).toContain('opened in another window');
  });

  it('signs in with a pasted token, after explaining a refused one in plain words', async () => {
    const context = await browser.newContext({ viewport: { width: 420, height: 860 } }); // a phone
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/exam/`);
    await page.getByTestId('signin-form').waitFor();
    const valid = await tokenFor(env.config, 'cand-000006', env.seeded.sittingId);
    const [header, payload] = valid.split('.');
    await page.getByTestId('token-input').fill(`${header}.${payload}.not-the-signature`); // well-formed, forged
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('signin-error').textContent(), { timeout: 10_000 }).toContain('This token is not valid');
    await screenshot(page, 'exam-signin-refused');

    await page.getByTestId('token-input').fill(valid);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('question-text').waitFor({ timeout: 10_000 });
    await page.reload(); // the token is kept for this tab
    await page.getByTestId('question-text').waitFor({ timeout: 10_000 });
    await screenshot(page, 'exam-phone');
  });

  it('waits for the session to open, waits in the lobby, and shows the paper by itself when the sitting starts', async () => {
    await seedDemo(env.sql, { sittingId: 'page-later', candidates: 20, opensInMinutes: 30 });
    const early = await openExam('cand-000005', 'page-later', 'not-open');
    expect(await early.page.getByTestId('not-open').textContent()).toContain('has not opened yet');

    // A sitting started by signal seats candidates in its lobby up to LOBBY_EARLY_S before its window
    // opens, with a countdown to the planned start (the window's opening) on the server's clock.
    await seedDemo(env.sql, { sittingId: 'page-lobby', candidates: 20, startMode: 'signal', opensInMinutes: 10 });
    const { page } = await openExam('cand-000004', 'page-lobby', 'lobby');
    await expect.poll(() => page.getByTestId('lobby-countdown').textContent()).toMatch(/Planned start at .* — in (09:5\d|10:00)/);
    const left = Number(await page.getByTestId('lobby-countdown').getAttribute('data-remaining-ms'));
    expect(Math.abs(left - 10 * 60_000)).toBeLessThan(70_000);
    await screenshot(page, 'exam-lobby');
    await startSitting({ sql: env.sql, ...node.attempts }, 'page-lobby', 'test');
    await page.getByTestId('question-text').waitFor({ timeout: 10_000 });
    expect(await remainingMs(page)).toBeGreaterThan(89 * 60_000);
  });
});

/** Opens the page with a sign-in link and waits for the paper (or the lobby). */
async function openExam(
  candidate: string,
  sittingId = env.seeded.sittingId,
  waitFor: 'paper' | 'lobby' | 'not-open' = 'paper',
): Promise<{ page: Page; context: BrowserContext; framesSent: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  const framesSent: string[] = []; // Socket.IO frames the page sent, across reloads
  page.on('websocket', (socket) => socket.on('framesent', ({ payload }) => framesSent.push(String(payload))));
  const token = await tokenFor(env.config, candidate, sittingId);
  await page.goto(`${baseUrl}/exam/#token=${token}`);
  await page.getByTestId(waitFor === 'paper' ? 'question-text' : waitFor).waitFor({ timeout: 15_000 });
  return { page, context, framesSent };
}

/** An administrator's actions on the test sitting, as the proctor namespace would run them. */
function proctorActions(): (action: ProctorAction) => Promise<void> {
  const actions = new ProctorActions({ sql: node.sql, services: node.attempts, logger: node.logger });
  const admin: ProctorIdentity = { proctorId: 'page-test', scope: { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] } };
  return async (action) => {
    const reply = await actions.run(admin, action);
    expect(reply.failed, JSON.stringify(reply.outcomes)).toBe(0);
  };
}

type AnswerValue = { kind: 'choice'; optionIds: string[] } | { kind: 'numeric'; value: number } | { kind: 'text'; text: string };

/** Answers the question on screen in a way that fits its type; `variant` varies the answer. */
async function answerCurrent(page: Page, variant: 'a' | 'b' | 'c'): Promise<{ questionId: string; value: AnswerValue; shown: string }> {
  const questionId = await currentQuestionId(page);
  const kind = await questionKind(page);
  const pick = { a: 1, b: 0, c: 2 }[variant];
  if (kind === 'choice') {
    const option = page.getByTestId('option').nth(pick);
    const optionId = (await option.getAttribute('data-option-id'))!;
    await option.check();
    return { questionId, value: { kind: 'choice', optionIds: [optionId] }, shown: optionId };
  }
  const typed = { a: '12', b: '3.5', c: '40' }[variant];
  await page.getByTestId('answer-input').fill(typed);
  return {
    questionId,
    value: kind === 'numeric' ? { kind: 'numeric', value: Number(typed) } : { kind: 'text', text: typed },
    shown: typed,
  };
}

async function questionKind(page: Page): Promise<'choice' | 'numeric' | 'text'> {
  if ((await page.getByTestId('option').count()) > 0) return 'choice';
  return (await page.getByTestId('answer-input').getAttribute('inputmode')) === 'decimal' ? 'numeric' : 'text';
}

/** The checked option ids (comma-separated) or the field's text. */
async function shownAnswer(page: Page): Promise<string> {
  if ((await questionKind(page)) !== 'choice') return page.getByTestId('answer-input').inputValue();
  return page.getByTestId('option').evaluateAll((inputs) => (inputs as HTMLInputElement[]).filter((input) => input.checked).map((input) => input.value).join(','));
}

async function currentQuestionId(page: Page): Promise<string> {
  return (await page.getByTestId('question-text').getAttribute('data-question-id'))!;
}

async function paletteFlag(page: Page, questionId: string): Promise<string | null> {
  return page.locator(`[data-testid=palette-item][data-question-id="${questionId}"]`).getAttribute('data-flagged');
}

async function remainingMs(page: Page): Promise<number> {
  await expect.poll(() => page.getByTestId('timer').getAttribute('data-remaining-ms')).toMatch(/^\d+$/);
  return Number(await page.getByTestId('timer').getAttribute('data-remaining-ms'));
}

async function waitForIndicator(page: Page, text: string | RegExp, timeout = 10_000): Promise<void> {
  await expect.poll(() => page.getByTestId('save-indicator').textContent(), { timeout }).toMatch(typeof text === 'string' ? new RegExp(`^${escape(text)}$`) : text);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function attemptIdOf(candidate: string): Promise<string> {
  return waitFor(async () => {
    const [row] = await env.sql.unsafe<Array<{ id: string }>>('SELECT id FROM attempts WHERE candidate_id = $1', [candidate]);
    return row?.id;
  });
}

async function storedAnswers(attemptId: string): Promise<Map<string, unknown>> {
  const rows = await env.sql.unsafe<Array<{ question_id: string; value: unknown }>>('SELECT question_id, value FROM answers WHERE attempt_id = $1', [attemptId]);
  return new Map(rows.map((row) => [row.question_id, row.value]));
}
