import type { ExamClient } from '@examhall/client-sdk';

/**
 * Focus and fullscreen signals for the proctors (best effort, through `reportActivity`).
 * "Focused" means the tab is visible and the window has focus: switching tabs, minimising and
 * clicking into another window all count as focus lost. Only changes are reported.
 */
export function watchFocus(client: ExamClient): () => void {
  const isFocused = () => document.visibilityState === 'visible' && document.hasFocus();
  let focused = isFocused();
  const check = () => {
    const now = isFocused();
    if (now === focused) return;
    focused = now;
    client.reportActivity(now ? 'focus_back' : 'focus_lost');
  };
  const onFullscreen = () => client.reportActivity(document.fullscreenElement ? 'fullscreen_enter' : 'fullscreen_exit');
  window.addEventListener('blur', check);
  window.addEventListener('focus', check);
  document.addEventListener('visibilitychange', check);
  document.addEventListener('fullscreenchange', onFullscreen);
  return () => {
    window.removeEventListener('blur', check);
    window.removeEventListener('focus', check);
    document.removeEventListener('visibilitychange', check);
    document.removeEventListener('fullscreenchange', onFullscreen);
  };
}

/** The "Go fullscreen" button: offered, never forced. Hidden where fullscreen is not available. */
export function fullscreenButton(button: HTMLButtonElement): void {
  if (button.dataset.wired) return;
  button.dataset.wired = 'true';
  if (!document.fullscreenEnabled) {
    button.hidden = true;
    return;
  }
  const render = () => {
    const on = document.fullscreenElement !== null;
    button.textContent = on ? 'Leave fullscreen' : 'Go fullscreen';
    button.setAttribute('aria-pressed', String(on));
  };
  button.addEventListener('click', () => {
    const request = document.fullscreenElement ? document.exitFullscreen() : document.documentElement.requestFullscreen();
    request.catch(() => undefined); // refused (e.g. not from a click): nothing to do
  });
  document.addEventListener('fullscreenchange', render);
  button.hidden = false;
  render();
}
