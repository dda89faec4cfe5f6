// Map: the service dependency graph of the selected range (edges from /api/otter/summary, with
// call rate and error %), laid out by dagre; search highlights, focus keeps N hops around one
// service.
import { useMemo, useState } from 'preact/hooks';
import dagre from '@dagrejs/dagre';
import { getJson } from '../api.js';
import { Status, serviceColor, useLoad } from '../components.jsx';
import { href, setParams, useRoute } from '../state.js';
import { currentRange, fmtNum } from '../time.js';

function within(edges, focus, hops) {
  if (!focus) return null;
  const keep = new Set([focus]);
  let frontier = [focus];
  for (let h = 0; h < hops; h++) {
    const next = [];
    for (const e of edges) {
      if (frontier.includes(e.parent) && !keep.has(e.child)) next.push(e.child);
      if (frontier.includes(e.child) && !keep.has(e.parent)) next.push(e.parent);
    }
    next.forEach((n) => keep.add(n));
    frontier = next;
  }
  return keep;
}

export function ServiceMap() {
  const r = useRoute();
  const p = r.params;
  const range = currentRange(p);
  const focus = p.get('focus') || '';
  const hops = Number(p.get('hops') || 1);
  const [search, setSearch] = useState('');
  const res = useLoad(() => getJson('/api/otter/summary', { start: range.startMs * 1e6, end: range.endMs * 1e6, buckets: 1 }), [range.from, range.to]);
  const layout = useMemo(() => {
    if (!res.data) return null;
    const keep = within(res.data.edges, focus, hops);
    const services = res.data.services.filter((s) => !keep || keep.has(s.name));
    const edges = res.data.edges.filter((e) => !keep || (keep.has(e.parent) && keep.has(e.child)));
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 90, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of services) g.setNode(s.name, { width: 170, height: 54, s });
    for (const e of edges) if (g.hasNode(e.parent) && g.hasNode(e.child)) g.setEdge(e.parent, e.child, { e, width: 150, height: 20, labelpos: 'c' });
    dagre.layout(g);
    return { g, width: g.graph().width || 100, height: g.graph().height || 100 };
  }, [res.data, focus, hops]);
  return (
    <div class="page" data-testid="map-page">
      <h1>Service map</h1>
      <div class="find">
        <input placeholder="search services" value={search} onInput={(e) => setSearch(e.target.value)} data-testid="map-search" />
        {focus && (
          <>
            <span>
              focus <b>{focus}</b>, hops{' '}
              <select value={hops} onChange={(e) => setParams({ hops: e.target.value })} data-testid="map-hops">
                {[1, 2, 3].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </span>
            <button onClick={() => setParams({ focus: '', hops: '' })} data-testid="map-unfocus">
              show all
            </button>
          </>
        )}
      </div>
      <Status {...res} />
      {layout && layout.g.nodeCount() === 0 && <p class="muted">No traces in {range.label}.</p>}
      {layout && layout.g.nodeCount() > 0 && (
        <svg class="map" width={layout.width} height={layout.height} data-testid="map-svg">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto">
              <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
            </marker>
          </defs>
          {layout.g.edges().map((k) => {
            const ed = layout.g.edge(k);
            const e = ed.e;
            const d = ed.points.map((pt, i) => `${i ? 'L' : 'M'}${pt.x},${pt.y}`).join(' ');
            return (
              <g key={k.v + '>' + k.w} class={e.errors ? 'edge edge-err' : 'edge'} data-testid="map-edge" data-edge={`${e.parent}->${e.child}`}>
                <path d={d} marker-end="url(#arrow)" />
                <text x={ed.x} y={ed.y} dy="-5" text-anchor="middle" data-testid="edge-label">
                  {`${e.count} calls (${fmtNum(e.rate, 3)}/s) · ${fmtNum(e.error_rate * 100, 1)}% err`}
                </text>
              </g>
            );
          })}
          {layout.g.nodes().map((n) => {
            const node = layout.g.node(n);
            const s = node.s;
            const hit = search && n.toLowerCase().includes(search.toLowerCase());
            return (
              <g key={n} transform={`translate(${node.x - node.width / 2},${node.y - node.height / 2})`} class={`node ${hit ? 'hit' : ''} ${search && !hit ? 'dim' : ''}`} data-testid="map-node" data-service={n} onClick={() => setParams({ focus: n, hops: String(hops) })}>
                <rect width={node.width} height={node.height} rx="6" style={{ stroke: serviceColor(n) }} />
                <text x="10" y="20" class="node-name">
                  {n}
                </text>
                <text x="10" y="40" class="node-stats">
                  {`${fmtNum(s.rate, 2)}/s · ${fmtNum(s.error_rate * 100, 1)}% err`}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      {focus && (
        <p>
          <a href={href('/search', { service: focus })}>traces of {focus}</a>
        </p>
      )}
    </div>
  );
}
