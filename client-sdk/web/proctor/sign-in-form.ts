import { ExamhallError } from '@examhall/shared';
import { byTestId, setText } from './dom.js';
import { describeFailure } from './error-text.js';
import { signInAsProctor, sittingFromLink } from '@examhall/client-sdk';
import { looksLikeToken, remember } from './token.js';

/**
 * Shows the sign-in panel (with why, e.g. "your sign-in has expired") and resolves with a token:
 * from the account form (sitting prefilled from `#sitting=`, proctor id, password → the gateway's
 * sign-in) or from a pasted token. Either is kept for this tab like a `#token=` link's.
 */
export function askToSignIn(reason?: string, sittingId?: string): Promise<string> {
  const panel = byTestId('sign-in');
  const form = byTestId<HTMLFormElement>('sign-in-form');
  const sitting = byTestId<HTMLInputElement>('sign-in-sitting');
  const proctor = byTestId<HTMLInputElement>('sign-in-proctor');
  const password = byTestId<HTMLInputElement>('sign-in-password');
  const submitButton = byTestId<HTMLButtonElement>('sign-in-submit');
  const error = byTestId('sign-in-error');
  const pasteForm = byTestId<HTMLFormElement>('token-form');
  const pasted = byTestId<HTMLTextAreaElement>('token-input');

  const linked = sittingFromLink() ?? sittingId;
  if (linked && !sitting.value) sitting.value = linked;
  setText(error, reason ?? '');
  panel.hidden = false;
  byTestId('dashboard').hidden = true;
  (sitting.value ? (proctor.value ? password : proctor) : sitting).focus();

  return new Promise((resolve) => {
    const done = (token: string) => {
      form.removeEventListener('submit', signIn);
      pasteForm.removeEventListener('submit', paste);
      remember(token);
      password.value = '';
      pasted.value = '';
      setText(error, '');
      panel.hidden = true;
      byTestId('dashboard').hidden = false;
      resolve(token);
    };
    const signIn = (event: Event) => {
      event.preventDefault();
      const values = [sitting.value.trim(), proctor.value.trim(), password.value] as const;
      const empty = [sitting, proctor, password].find((input, i) => !values[i]);
      if (empty) {
        setText(error, describeFailure(new ExamhallError('BAD_REQUEST')));
        return empty.focus();
      }
      submitButton.disabled = true;
      setText(submitButton, 'Signing in…');
      const [sittingId, proctorId, secret] = values;
      signInAsProctor({ sittingId, proctorId, password: secret }).then(
        (reply) => done(reply.token),
        (failure: unknown) => {
          setText(error, describeFailure(failure));
          error.dataset.code = failure instanceof ExamhallError ? failure.code : '';
          password.select();
        },
      ).finally(() => {
        submitButton.disabled = false;
        setText(submitButton, 'Sign in');
      });
    };
    const paste = (event: Event) => {
      event.preventDefault();
      const token = pasted.value.trim();
      if (!token) return;
      if (!looksLikeToken(token)) return setText(error, 'This is not a whole token. Copy all of it, or sign in with your account above.');
      done(token);
    };
    form.addEventListener('submit', signIn);
    pasteForm.addEventListener('submit', paste);
  });
}
