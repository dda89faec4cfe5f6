// Services (the landing page): per service rate, error %, p50/p95/p99 and sparklines over the
// selected range, and the top operations by impact (time spent). An empty store shows the
// onboarding page instead.
import { getJson } from '../api.js';
import { Spark, Status, useLoad } from '../components.jsx';
import { href, useRoute } from '../state.js';
import { currentRange, fmtNum } from '../time.js';
import { Onboarding } from './onboarding.jsx';

const ms = (v) => `${fmtNum(v)} ms`;

export function Services() {
  const r = useRoute();
  const range = currentRange(r.params);
  const info = useLoad(() => getJson('/api/otter/info'), []);
  const sum = useLoad(
    () => getJson('/api/otter/summary', { start: range.startMs * 1e6, end: range.endMs * 1e6, buckets: 30 }),
    [range.from, range.to],
  );
  if (info.data?.empty) return <Onboarding />;
  const d = sum.data;
  return (
    <div class="page" data-testid="services-page">
      <h1>Services</h1>
      <Status {...sum} />
      {d && (
        <>
          <p class="muted" data-testid="services-summary">
            {d.services.length} services, {d.traces} traces, {d.spans} spans in {range.label}
          </p>
          <table class="grid" data-testid="services-table">
            <thead>
              <tr>
                <th>service</th>
                <th>requests</th>
                <th>rate /s</th>
                <th>error %</th>
                <th>p50</th>
                <th>p95</th>
                <th>p99</th>
                <th>requests over time</th>
              </tr>
            </thead>
            <tbody>
              {d.services.map((s) => (
                <tr key={s.name} data-testid="service-row" data-service={s.name}>
                  <td>
                    <a href={href('/search', { service: s.name })}>{s.name}</a>
                  </td>
                  <td data-testid="service-count">{s.count}</td>
                  <td>{fmtNum(s.rate, 3)}</td>
                  <td class={s.errors ? 'bad' : ''} data-testid="service-errors">
                    {fmtNum(s.error_rate * 100, 1)}%
                  </td>
                  <td>{ms(s.p50)}</td>
                  <td>{ms(s.p95)}</td>
                  <td>{ms(s.p99)}</td>
                  <td>
                    <Spark values={s.spark} errors={s.spark_errors} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Top operations by impact</h2>
          <table class="grid" data-testid="operations-table">
            <thead>
              <tr>
                <th>service</th>
                <th>operation</th>
                <th>requests</th>
                <th>error %</th>
                <th>p50</th>
                <th>p99</th>
                <th>time spent</th>
              </tr>
            </thead>
            <tbody>
              {d.operations.slice(0, 20).map((o) => (
                <tr key={o.service + '\u0000' + o.name} data-testid="operation-row">
                  <td>{o.service}</td>
                  <td>
                    <a href={href('/search', { service: o.service, operation: o.name })}>{o.name}</a>
                  </td>
                  <td>{o.count}</td>
                  <td class={o.errors ? 'bad' : ''}>{fmtNum(o.error_rate * 100, 1)}%</td>
                  <td>{ms(o.p50)}</td>
                  <td>{ms(o.p99)}</td>
                  <td>{ms(o.total_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
