// Shown instead of the services when the store holds nothing yet: where to send data.
export function Onboarding() {
  const host = location.hostname || 'localhost';
  const now = Date.now() * 1e6;
  const example = `curl -sS http://${host}:4318/v1/traces -H 'Content-Type: application/json' -d '{
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "hello"}}]},
    "scopeSpans": [{"spans": [{
      "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
      "name": "GET /hello", "kind": 2,
      "startTimeUnixNano": "${now}", "endTimeUnixNano": "${now + 25e6}"
    }]}]
  }]
}'`;
  return (
    <div class="page" data-testid="onboarding">
      <h1>Welcome to otter</h1>
      <p>The store is empty. Point an OpenTelemetry SDK or collector at otter's OTLP endpoints:</p>
      <table class="grid">
        <tbody>
          <tr>
            <td>OTLP/gRPC</td>
            <td>
              <code>{host}:4317</code>
            </td>
          </tr>
          <tr>
            <td>OTLP/HTTP</td>
            <td>
              <code>http://{host}:4318</code> (<code>/v1/traces</code>, <code>/v1/metrics</code>, <code>/v1/logs</code>)
            </td>
          </tr>
        </tbody>
      </table>
      <p>
        For an SDK: <code>OTEL_EXPORTER_OTLP_ENDPOINT=http://{host}:4318</code>. Or send one span now:
      </p>
      <pre class="code" data-testid="onboarding-curl">{example}</pre>
      <p>then reload this page.</p>
    </div>
  );
}
