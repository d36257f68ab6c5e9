import { signal } from '@preact/signals';
import { formatRoute, type Route } from './routes.js';

/** The address's hash (`#/…`), which names the view; the shell renders what it says. */
export const address = signal(window.location.hash);
window.addEventListener('hashchange', () => {
  address.value = window.location.hash;
});

/** Opens a view by changing the address, so the back button and a reload both work. */
export function navigate(route: Route, replace = false): void {
  const hash = formatRoute(route);
  if (replace) {
    window.history.replaceState(null, '', hash);
    address.value = hash;
  } else {
    window.location.hash = hash;
  }
}
