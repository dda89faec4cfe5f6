// Small shared pieces: a data loader hook, sparklines, tables' status lines, copy buttons.
import { useEffect, useState } from 'preact/hooks';

// Runs `fn` (async) whenever `deps` change; returns {data, error, loading, reload}.
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function Status({ loading, error }) {
  if (error) return <div class="error" data-testid="error">{String(error.message || error)}</div>;
  if (loading) return <div class="loading">loading…</div>;
  return null;
}

export function Spark({ values, errors, width = 120, height = 24 }) {
  if (!values || values.length === 0) return null;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const pts = (vs) => vs.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`).join(' ');
  return (
    <svg class="spark" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline points={pts(values)} class="spark-line" />
      {errors && errors.some((v) => v > 0) && <polyline points={pts(errors)} class="spark-err" />}
    </svg>
  );
}

export function CopyButton({ text, label = 'copy' }) {
  const [done, setDone] = useState(false);
  return (
    <button
      class="copy"
      title={`copy ${text}`}
      onClick={(e) => {
        e.stopPropagation();
        navigator.clipboard?.writeText(text).catch(() => {});
        setDone(true);
        setTimeout(() => setDone(false), 1000);
      }}
    >
      {done ? '✓' : label}
    </button>
  );
}

// Stable colour per service name.
const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7', '#9c755f', '#86bcb6', '#8cd17d'];
export function serviceColor(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length];
}
