// Renders a component loaded on demand (a page with a heavy library).
import { useEffect, useState } from 'preact/hooks';

export function Lazy({ load, ...props }) {
  const [C, setC] = useState(null);
  const [err, setErr] = useState(null);
  useEffect(() => {
    load().then((c) => setC(() => c), setErr);
  }, [load]);
  if (err) return <div class="error">could not load the page: {String(err)}</div>;
  if (!C) return <div class="loading">loading…</div>;
  return <C {...props} />;
}
