/** Where the signed-in user's bearer token lives for this browser tab. */
export const TOKEN_KEY = 'pulsegap.token';

export const LOGIN_PAGE = '/login.html';
export const DASHBOARD_PAGE = '/';

export function readToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Forgets the token and sends the browser to the login page. */
export function endSession(): void {
  sessionStorage.removeItem(TOKEN_KEY);
  window.location.replace(LOGIN_PAGE);
}
