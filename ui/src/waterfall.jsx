// The trace waterfall: a minimap (drag to zoom) over virtualized rows (@tanstack/virtual-core):
// only the rows in view (plus a few) are in the DOM, so a 10k-span trace scrolls smoothly.
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from '@tanstack/virtual-core';
import { serviceColor } from './components.jsx';
import { fmtDur } from './time.js';

const ROW = 24;

function useVirtualizer(count, getScrollElement) {
  const [, rerender] = useReducer((x) => x + 1, 0);
  const ref = useRef(null);
  const options = {
    count,
    getScrollElement,
    estimateSize: () => ROW,
    overscan: 12,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(),
  };
  if (!ref.current) ref.current = new Virtualizer(options);
  const v = ref.current;
  v.setOptions(options);
  useLayoutEffect(() => v._didMount(), []);
  useLayoutEffect(() => v._willUpdate());
  return v;
}

function Minimap({ model, zoom, setZoom }) {
  const canvas = useRef(null);
  const [drag, setDrag] = useState(null);
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const w = (c.width = c.clientWidth * devicePixelRatio);
    const h = (c.height = 48 * devicePixelRatio);
    const ctx = c.getContext('2d');
    ctx.clearRect(0, 0, w, h);
    const n = model.order.length;
    const rowH = Math.max(h / n, 1);
    model.order.forEach((s, i) => {
      ctx.fillStyle = s.error ? '#e15759' : serviceColor(s.service);
      const x = ((s.span.startTime - model.start) / model.duration) * w;
      const bw = Math.max(1, (s.span.duration / model.duration) * w);
      ctx.fillRect(x, (i / n) * h, bw, rowH);
    });
  }, [model]);
  const frac = (e) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.min(1, Math.max(0, (e.clientX - r.left) / r.width));
  };
  const sel = drag ? [Math.min(drag[0], drag[1]), Math.max(drag[0], drag[1])] : zoom;
  return (
    <div
      class="minimap"
      data-testid="minimap"
      onMouseDown={(e) => {
        const f = frac(e);
        setDrag([f, f]);
      }}
      onMouseMove={(e) => drag && setDrag([drag[0], frac(e)])}
      onMouseUp={() => {
        if (drag) {
          const a = Math.min(drag[0], drag[1]);
          const b = Math.max(drag[0], drag[1]);
          if (b - a > 0.005) setZoom([a, b]);
          setDrag(null);
        }
      }}
      onMouseLeave={() => setDrag(null)}
    >
      <canvas ref={canvas} />
      <div class="minimap-sel" style={{ left: `${sel[0] * 100}%`, width: `${(sel[1] - sel[0]) * 100}%` }} />
    </div>
  );
}

export function Waterfall({ model, rows, hits, selected, onSelect, collapsed, onToggle }) {
  const scroller = useRef(null);
  const [zoom, setZoom] = useState([0, 1]);
  const v = useVirtualizer(rows.length, () => scroller.current);
  // When the first rows are on screen, measured from navigation start (the tests read it).
  useEffect(() => {
    if (rows.length && !performance.getEntriesByName('otter:first-rows').length) performance.mark('otter:first-rows');
  }, [rows.length > 0]);
  const [z0, z1] = zoom;
  const span = z1 - z0;
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  return (
    <div class="waterfall">
      <Minimap model={model} zoom={zoom} setZoom={setZoom} />
      <div class="wf-header">
        <div class="wf-name">
          service / operation{' '}
          {(z0 > 0 || z1 < 1) && (
            <button data-testid="zoom-reset" onClick={() => setZoom([0, 1])}>
              reset zoom
            </button>
          )}
        </div>
        <div class="wf-ticks">
          {ticks.map((t) => (
            <span key={t} style={{ left: `${t * 100}%` }}>
              {fmtDur((z0 + t * span) * model.duration)}
            </span>
          ))}
        </div>
      </div>
      <div class="wf-scroll" ref={scroller} data-testid="waterfall">
        <div style={{ height: `${v.getTotalSize()}px`, position: 'relative' }}>
          {v.getVirtualItems().map((item) => {
            const n = rows[item.index];
            const s = n.span;
            const l = ((s.startTime - model.start) / model.duration - z0) / span;
            const w = s.duration / model.duration / span;
            const cls = ['wf-row', n.id === selected ? 'sel' : '', hits && hits.has(n) ? 'hit' : '', n.error ? 'err' : ''].join(' ');
            return (
              <div key={n.id} class={cls} data-testid="span-row" data-span-id={n.id} style={{ transform: `translateY(${item.start}px)` }} onClick={() => onSelect(n.id)}>
                <div class="wf-name" style={{ paddingLeft: `${Math.min(n.depth, 40) * 12 + 4}px` }}>
                  {n.children.length > 0 ? (
                    <button
                      class="twisty"
                      data-testid="span-toggle"
                      onClick={(e) => {
                        e.stopPropagation();
                        onToggle(n.id);
                      }}
                    >
                      {collapsed.has(n.id) ? '▸' : '▾'}
                    </button>
                  ) : (
                    <span class="twisty" />
                  )}
                  <span class="svc-dot" style={{ background: serviceColor(n.service) }} />
                  <span class="svc">{n.service}</span> <span class="op">{s.operationName}</span>
                  {n.depth > 40 && <span class="muted"> (depth {n.depth})</span>}
                </div>
                <div class="wf-bar-cell">
                  {l + w >= 0 && l <= 1 && (
                    <div class="wf-bar" style={{ left: `${Math.max(0, l) * 100}%`, width: `${Math.max(0.1, (Math.min(1, l + w) - Math.max(0, l)) * 100)}%`, background: n.error ? '#e15759' : serviceColor(n.service) }} />
                  )}
                  <span class="wf-dur" style={{ left: `${Math.min(92, Math.max(0, l + w) * 100)}%` }}>
                    {fmtDur(s.duration)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
