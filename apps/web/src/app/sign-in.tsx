import { useState } from 'preact/hooks';
import { ContractError, describeFailure, requestJson } from '../http.js';
import { storeToken, takeSessionEndReason } from '../session.js';
import { currentSession, session } from './session-state.js';

function readLoginToken(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'token' in body) {
    const { token } = body;
    if (typeof token === 'string' && token !== '') return token;
  }
  throw new ContractError('login.token');
}

// Read once per page load: why the last session ended (expired, signed out).
const endedBecause = takeSessionEndReason();

/**
 * Sign-in for HR and executives (`POST /auth/login`). The address stays as it is, so the view
 * that was asked for opens once the person is signed in.
 */
export function SignIn() {
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = (event: SubmitEvent): void => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const email = data.get('email');
    const password = data.get('password');
    if (typeof email !== 'string' || typeof password !== 'string') return;
    setFailure('');
    setBusy(true);
    requestJson('/auth/login', readLoginToken, {
      method: 'POST',
      body: { email: email.trim(), password },
    })
      .then((token) => {
        storeToken(token);
        const signedIn = currentSession();
        if (signedIn === null) throw new ContractError('login.token claims');
        session.value = signedIn;
      })
      .catch((error: unknown) => {
        setFailure(describeFailure(error));
        setBusy(false);
      });
  };

  return (
    <main id="main" class="login login--app">
      <p class="brand">Pulsegap</p>
      <h1>Sign in</h1>
      <p class="lede">HR prepares and runs pulses here; executives read the alignment gaps.</p>
      {endedBecause === '' ? null : (
        <p class="notice-line" role="status">
          {endedBecause}
        </p>
      )}
      <form class="login__form" onSubmit={submit}>
        <div class="field">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required />
        </div>
        <div class="field">
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
        </div>
        <div class="alert" role="alert">
          {failure}
        </div>
        <button class="button" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
