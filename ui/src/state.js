// A tiny observable value, and the app's URL-held view state: every page keeps what it shows in
// the URL (path + query string), so a reload or a pasted link shows the same view.
import { useEffect, useState } from 'preact/hooks';

export function signal(value) {
  const subs = new Set();
  return {
    get: () => value,
    set(v) {
      if (v === value) return;
      value = v;
      subs.forEach((f) => f(v));
    },
    subscribe(f) {
      subs.add(f);
      return () => subs.delete(f);
    },
  };
}

export function useSignal(s) {
  const [v, setV] = useState(s.get());
  useEffect(() => {
    const off = s.subscribe(setV);
    setV(s.get()); // a change between the render and this effect
    return off;
  }, [s]);
  return v;
}

function current() {
  return { path: location.pathname, params: new URLSearchParams(location.search) };
}
export const route = signal(current());
addEventListener('popstate', () => route.set(current()));

// Navigates to `path` with `params` (an object; empty values dropped). Global params (time range,
// time zone) are carried over unless given.
export function navigate(path, params = {}, { replace = false, keepGlobal = true } = {}) {
  const next = new URLSearchParams();
  if (keepGlobal) {
    const cur = route.get().params;
    for (const k of ['from', 'to', 'tz']) if (cur.has(k)) next.set(k, cur.get(k));
  }
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  const qs = next.toString();
  const url = path + (qs ? '?' + qs : '');
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  route.set(current());
}

// Updates some query parameters of the current page.
export function setParams(params, replace = true) {
  const cur = Object.fromEntries(route.get().params);
  navigate(route.get().path, { ...cur, ...params }, { replace, keepGlobal: false });
}

export function useRoute() {
  return useSignal(route);
}

export function href(path, params = {}) {
  const next = new URLSearchParams();
  const cur = route.get().params;
  for (const k of ['from', 'to', 'tz']) if (cur.has(k)) next.set(k, cur.get(k));
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') next.set(k, v);
  const qs = next.toString();
  return path + (qs ? '?' + qs : '');
}

// A link that navigates inside the app (no reload).
export function onLink(e) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  const a = e.target.closest('a');
  if (!a || a.target || a.origin !== location.origin || a.hasAttribute('download')) return;
  e.preventDefault();
  history.pushState(null, '', a.pathname + a.search);
  route.set(current());
}
