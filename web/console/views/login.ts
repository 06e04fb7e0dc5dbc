import { ApiError, type Api, type Session } from '../api.js';
import { h } from '../dom.js';
import type { LoginResult } from '../types.js';
import { problem } from './section.js';

/** Sign in with the API's login route; the console is for admins. */
export function renderLogin(root: HTMLElement, api: Api, onSignedIn: (session: Session) => void): void {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const outcome = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: (event: Event) => {
        event.preventDefault();
        submit.disabled = true;
        api.post<LoginResult>('/api/v1/auth/login', { username: username.value.trim(), password: password.value }).then(
          (result) => {
            if (result.role !== 'admin') throw new ApiError(403, 'admin_required', 'The console is for admins; drivers use the driver app.');
            onSignedIn({ token: result.access_token, role: result.role, username: username.value.trim(), expiresAt: Date.now() + result.expires_in * 1000 });
          },
        ).catch((error: unknown) => {
          submit.disabled = false;
          outcome.replaceChildren(problem(error));
        });
      },
    },
    h('h1', {}, 'Telematics console'),
    h('label', { for: 'username' }, 'Username'),
    username,
    h('label', { for: 'password' }, 'Password'),
    password,
    submit,
    outcome,
  );
  root.replaceChildren(form);
  username.focus();
}
