/**
 * The candidate's exam page. Served by the gateway at /exam/ (same origin as Socket.IO), built by
 * client-sdk/web/build.ts. Everything that matters goes through the ExamClient SDK: the outbox
 * in localStorage keeps unsent answers across reloads, the server's clock drives the countdown.
 */
import { ExamClient, LocalStorageOutboxStorage, isFinalStatus, type FinalStatus } from '@examhall/client-sdk';
import type { JoinReply } from '@examhall/shared';
import { AttemptStore } from './attempt-store.js';
import { byId, h, replaceChildren } from './dom.js';
import { describeFailure, errorCode, isRetryable, isSignInProblem } from './error-text.js';
import { fullscreenButton, watchFocus } from './integrity.js';
import { MessagesBanner } from './messages-banner.js';
import { AttemptNotices } from './notices.js';
import { PaperScreen } from './paper-screen.js';
import { showConnecting, showFinished, showLobby, showNotOpen, showProblem, showSignIn } from './screens.js';
import { forgetToken, keepToken, takeToken } from './session-token.js';
import { Countdown } from './timer.js';

const ui = {
  topbar: byId('topbar'),
  title: byId('paper-title'),
  timer: byId('timer'),
  save: byId('save-indicator'),
  fullscreen: byId<HTMLButtonElement>('fullscreen'),
  banner: byId('banner'),
  messages: byId('messages'),
  hold: byId('hold'),
  notice: byId('notice'),
  main: byId('main'),
};

/**
 * How long to wait before asking again when the sitting has not opened yet, or the server is
 * busy: spread at random, since a whole sitting may be waiting at the same moment.
 */
const JOIN_RETRY_MS = { notOpen: [10_000, 20_000], busy: [2_000, 6_000] } as const;

let client: ExamClient | undefined;

function signIn(problem?: string): void {
  ui.topbar.hidden = true;
  showSignIn(ui.main, problem, (token) => {
    keepToken(token);
    void open(token);
  });
}

async function open(token: string): Promise<void> {
  await client?.close();
  try {
    client = new ExamClient({ url: location.origin, token, storage: new LocalStorageOutboxStorage() });
  } catch (error) {
    forgetToken();
    return signIn(describeFailure(error));
  }
  const current = client;
  showConnecting(ui.main);
  current.on('error', showBanner);
  try {
    await current.connect();
  } catch (error) {
    await current.close();
    if (isSignInProblem(error)) {
      forgetToken();
      return signIn(describeFailure(error));
    }
    return problem(describeFailure(error), token);
  }
  const reply = await joinUntilOpen(current, token);
  if (reply && current === client) route(current, reply);
}

/** join(), waiting out a sitting that has not opened yet and a busy server; undefined when it cannot work. */
async function joinUntilOpen(current: ExamClient, token: string): Promise<JoinReply | undefined> {
  for (;;) {
    try {
      return await current.join();
    } catch (error) {
      if (current !== client) return undefined;
      if (!isRetryable(error)) {
        await current.close();
        if (isSignInProblem(error)) {
          forgetToken();
          signIn(describeFailure(error));
        } else problem(describeFailure(error), token);
        return undefined;
      }
      const notOpen = errorCode(error) === 'SITTING_NOT_OPEN';
      if (notOpen) showNotOpen(ui.main);
      else showConnecting(ui.main, describeFailure(error));
      const [min, max] = notOpen ? JOIN_RETRY_MS.notOpen : JOIN_RETRY_MS.busy;
      await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
    }
  }
}

function problem(text: string, token: string): void {
  ui.topbar.hidden = true;
  showProblem(ui.main, text, {
    retry: () => void open(token),
    signIn: () => {
      forgetToken();
      signIn();
    },
  });
}

/** After the first join: the lobby, the paper or the finished screen, and the pieces around them. */
function route(current: ExamClient, reply: JoinReply): void {
  const store = new AttemptStore(reply.attemptId);
  const countdown = new Countdown(ui.timer, current);
  new MessagesBanner(ui.messages, current, store);
  let paper: PaperScreen | undefined;
  let stopLobby: (() => void) | undefined;
  // input stops while a proctor holds the attempt, and while another device has it (answers
  // typed here then could lose against the other device's newer ones)
  let heldByProctor = false;
  let replaced = false;
  const applyHold = () => paper?.setHeld(heldByProctor || replaced);
  const notices = new AttemptNotices(ui.hold, ui.notice, current, (held) => {
    heldByProctor = held;
    applyHold();
  });
  notices.startFrom(reply);
  watchFocus(current);
  fullscreenButton(ui.fullscreen);

  const finish = (status: FinalStatus) => {
    stopLobby?.();
    paper?.dispose();
    paper = undefined;
    countdown.stop();
    notices.clearNotice();
    ui.save.hidden = true;
    ui.hold.hidden = true;
    ui.topbar.hidden = false;
    showFinished(ui.main, status, store.endedAt, current.pendingCount());
  };
  const showPaper = (withPaper: JoinReply) => {
    stopLobby?.();
    if (paper || !withPaper.paper) return;
    ui.title.textContent = withPaper.paper.title;
    ui.topbar.hidden = false;
    ui.save.hidden = false;
    paper = new PaperScreen(ui.main, current, withPaper.paper, store, ui.save, (submittedAt) => (store.endedAt = submittedAt));
    heldByProctor = current.paused || current.locked;
    applyHold();
    countdown.start();
  };

  current.on('submitted', ({ submittedAt }) => (store.endedAt ??= submittedAt));
  current.on('updated', (update) => {
    if (isFinalStatus(update.status)) store.endedAt ??= update.serverTime;
  });
  current.on('final', ({ status }) => finish(status));
  current.on('started', (started) => showPaper(started));
  // a rejoin after missing the start signal (offline at that moment) brings the paper too
  current.on('joined', (joined) => {
    if (replaced) {
      replaced = false;
      ui.banner.hidden = true;
      applyHold();
    }
    if (joined.status === 'in_progress' && joined.paper) showPaper(joined);
  });
  current.on('replaced', () => {
    replaced = true;
    applyHold();
    showTakeover(current);
  });

  if (isFinalStatus(reply.status)) return finish(reply.status);
  if (reply.status === 'in_progress' && reply.paper) return showPaper(reply);
  ui.topbar.hidden = false;
  ui.title.textContent = 'Exam lobby';
  stopLobby = showLobby(ui.main, current);
}

/** Another tab or device opened this exam: this one stays off until the candidate takes it back. */
function showTakeover(current: ExamClient): void {
  const button = h('button', { type: 'button', class: 'button-primary', 'data-testid': 'takeover-continue' }, 'Continue on this device');
  button.addEventListener('click', () => {
    button.disabled = true;
    // the rejoin that follows the connection takes the attempt back; 'joined' lifts the block
    current.connect().catch((error: unknown) => {
      button.disabled = false;
      showBanner(error);
    });
  });
  replaceChildren(ui.banner, h('p', {}, h('strong', {}, 'Your exam was opened in another window or on another device. '), 'Your answers are safe. To keep working here, continue on this device (the other one stops).'), button);
  ui.banner.dataset.kind = 'takeover';
  ui.banner.hidden = false;
}

/** A problem that does not stop the exam on this device (expired sign-in on a reconnect, storage...). */
function showBanner(error: unknown): void {
  if (errorCode(error) === 'MALFORMED_SERVER_FRAME') return; // the SDK ignored the frame; nothing for the candidate to do
  const dismiss = h('button', { type: 'button', class: 'notice-dismiss' }, 'OK');
  dismiss.addEventListener('click', () => (ui.banner.hidden = true));
  replaceChildren(ui.banner, h('p', {}, describeFailure(error)), dismiss);
  ui.banner.dataset.kind = 'problem';
  ui.banner.hidden = false;
}

const token = takeToken();
if (token) void open(token);
else signIn();
