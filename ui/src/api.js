// Fetch helpers for otter's own APIs (same origin). Tracks whether the server answers so the app
// can show the "API unreachable" banner. A 401 means the login cookie no longer authenticates:
// the browser goes to otter's login form, which comes back to the same view.
import { signal } from './state.js';

export const apiDown = signal(false);

let redirecting = false;
function toLogin() {
  if (redirecting) return;
  redirecting = true;
  location.assign('/login?' + new URLSearchParams({ next: location.pathname + location.search }));
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function getJson(path, params, init) {
  const url = params ? `${path}?${new URLSearchParams(params)}` : path;
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', ...init });
  } catch (e) {
    apiDown.set(true);
    throw new ApiError(0, 'the otter API is unreachable');
  }
  apiDown.set(false);
  if (res.status === 401) toLogin();
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch (e) {
    if (!res.ok) throw new ApiError(res.status, text.trim() || res.statusText);
    throw new ApiError(res.status, 'not JSON: ' + text.slice(0, 100));
  }
  if (!res.ok) {
    const msg = body?.error || body?.errors?.[0]?.msg || body?.message || text.trim();
    throw new ApiError(res.status, typeof msg === 'string' ? msg : res.statusText);
  }
  return body;
}

// Polls /ready while the API is down, so the banner goes away by itself.
let probing = false;
apiDown.subscribe((down) => {
  if (!down || probing) return;
  probing = true;
  const probe = async () => {
    try {
      // Any answer (a 401 behind a token included) means the server is back.
      await fetch('/ready', { cache: 'no-store' });
      probing = false;
      apiDown.set(false);
      return;
    } catch (e) {
      /* still down */
    }
    setTimeout(probe, 3000);
  };
  setTimeout(probe, 3000);
});
