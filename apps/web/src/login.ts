import { ContractError, describeFailure, requestJson } from './http.js';
import { DASHBOARD_PAGE, storeToken } from './session.js';

const form = document.getElementById('login-form');
const alertBox = document.getElementById('login-alert');
const submit = document.getElementById('login-submit');
if (
  !(form instanceof HTMLFormElement) ||
  !(alertBox instanceof HTMLElement) ||
  !(submit instanceof HTMLButtonElement)
) {
  throw new Error('The login form is missing from the page');
}

function readToken(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'token' in body) {
    const { token } = body;
    if (typeof token === 'string' && token !== '') return token;
  }
  throw new ContractError('login.token');
}

async function signIn(email: string, password: string): Promise<void> {
  const token = await requestJson('/auth/login', readToken, {
    method: 'POST',
    body: { email, password },
  });
  storeToken(token);
  window.location.replace(DASHBOARD_PAGE);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const email = data.get('email');
  const password = data.get('password');
  if (typeof email !== 'string' || typeof password !== 'string') return;

  alertBox.textContent = '';
  submit.disabled = true;
  submit.textContent = 'Signing in…';
  signIn(email.trim(), password).catch((error: unknown) => {
    alertBox.textContent = describeFailure(error);
    submit.disabled = false;
    submit.textContent = 'Sign in';
  });
});
