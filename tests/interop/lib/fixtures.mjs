// Hand-built OTLP/JSON requests for what the JS SDK never sends (exemplars, exponential
// histograms, summaries, bytes/kvlist/empty attribute values, flags, dropped counts, metadata).
// Each builder takes the run id (resource attribute interop.run) and a base time in ns.

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

function ns(base, offset) {
  return (BigInt(base) + BigInt(offset)).toString();
}

function resource(runId, name) {
  return {
    attributes: [
      { key: 'service.name', value: { stringValue: name } },
      { key: 'interop.run', value: { stringValue: runId } },
    ],
  };
}

export function exemplarRequest(runId, baseNs) {
  return {
    resourceMetrics: [{
      resource: resource(runId, 'exemplar-test'),
      scopeMetrics: [{
        scope: { name: 'hand.built.exemplars', version: '1.0' },
        metrics: [{
          name: 'http.server.request.duration',
          unit: 's',
          description: 'hand-built histogram with exemplars',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [{
              attributes: [{ key: 'http.route', value: { stringValue: '/cart' } }],
              startTimeUnixNano: ns(baseNs, 0),
              timeUnixNano: ns(baseNs, 1000000123),
              count: '4',
              sum: 13.75,
              bucketCounts: ['1', '2', '1'],
              explicitBounds: [0.5, 5],
              min: 0.25,
              max: 9.5,
              exemplars: [{
                filteredAttributes: [
                  { key: 'user.id', value: { stringValue: 'u-123' } },
                  { key: 'retry', value: { intValue: '2' } },
                  { key: 'sampled', value: { boolValue: true } },
                ],
                timeUnixNano: ns(baseNs, 500000007),
                asDouble: 9.5,
                spanId: SPAN_ID,
                traceId: TRACE_ID,
              }, {
                timeUnixNano: ns(baseNs, 600000009),
                asDouble: 0.25,
              }],
            }],
          },
        }, {
          name: 'requests.total',
          sum: {
            aggregationTemporality: 1,
            isMonotonic: true,
            dataPoints: [{
              attributes: [{ key: 'code', value: { intValue: '200' } }],
              startTimeUnixNano: ns(baseNs, 0),
              timeUnixNano: ns(baseNs, 1000000000),
              asInt: '5',
              exemplars: [{
                filteredAttributes: [{ key: 'ratio', value: { doubleValue: 0.125 } }],
                timeUnixNano: ns(baseNs, 700000000),
                asInt: '-3',
                spanId: 'b7ad6b7169203331',
                traceId: '0af7651916cd43dd8448eb211c80319c',
              }],
            }],
          },
        }],
      }],
    }],
  };
}

export function richMetricsRequest(runId, baseNs) {
  return {
    resourceMetrics: [{
      resource: { ...resource(runId, 'rich-metrics'), droppedAttributesCount: 3 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeMetrics: [{
        scope: {
          name: 'hand.built.metrics', version: '2.1',
          attributes: [{ key: 'scope.attr', value: { stringValue: 'sv' } }], droppedAttributesCount: 1,
        },
        schemaUrl: 'https://example.com/scope-schema',
        metrics: [{
          name: 'exp.latency',
          unit: 'ms',
          metadata: [{ key: 'prometheus.type', value: { stringValue: 'histogram' } }],
          exponentialHistogram: {
            aggregationTemporality: 1,
            dataPoints: [{
              attributes: [{ key: 'k', value: { stringValue: 'v' } }],
              startTimeUnixNano: ns(baseNs, 0),
              timeUnixNano: ns(baseNs, 10),
              count: '12',
              sum: 123.5,
              scale: -2,
              zeroCount: '2',
              zeroThreshold: 0.001,
              positive: { offset: -3, bucketCounts: ['1', '0', '4'] },
              negative: { offset: 2, bucketCounts: ['3', '2'] },
              min: -40,
              max: 90.5,
            }],
          },
        }, {
          name: 'rpc.summary',
          summary: {
            dataPoints: [{
              startTimeUnixNano: ns(baseNs, 0),
              timeUnixNano: ns(baseNs, 20),
              count: '100',
              sum: 2500.25,
              quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.5, value: 20.5 }, { quantile: 1, value: 99 }],
            }],
          },
        }, {
          name: 'gauge.flags',
          gauge: {
            dataPoints: [
              { attributes: [{ key: 'state', value: { stringValue: 'stale' } }], timeUnixNano: ns(baseNs, 30), flags: 1 },
              { attributes: [{ key: 'state', value: { stringValue: 'live' } }], timeUnixNano: ns(baseNs, 30), asDouble: -0.5 },
              { attributes: [{ key: 'state', value: { stringValue: 'big' } }], timeUnixNano: ns(baseNs, 30), asInt: '-9223372036854775808' },
            ],
          },
        }],
      }],
    }],
  };
}

export function richTracesRequest(runId, baseNs) {
  return {
    resourceSpans: [{
      resource: resource(runId, 'rich-traces'),
      scopeSpans: [{
        scope: { name: 'hand.built.traces' },
        spans: [{
          traceId: TRACE_ID,
          spanId: 'a1b2c3d4e5f60718',
          parentSpanId: SPAN_ID,
          traceState: 'ot=th:c;rv:9b8233f7e3a151,vendor=x',
          flags: 0x301 | 0x400, // reserved bit 10 must be forwarded unchanged
          name: 'rich span',
          kind: 3,
          startTimeUnixNano: ns(baseNs, 1),
          endTimeUnixNano: ns(baseNs, 2),
          attributes: [
            { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 2, 250, 255]).toString('base64') } },
            { key: 'kvlist', value: { kvlistValue: { values: [
              { key: 'inner', value: { stringValue: 'x' } },
              { key: 'nested', value: { arrayValue: { values: [{ intValue: '1' }, { kvlistValue: { values: [] } }] } } },
            ] } } },
            { key: 'empty.value', value: {} },
            { key: 'int.min', value: { intValue: '-9223372036854775808' } },
            { key: 'int.max', value: { intValue: '9223372036854775807' } },
            { key: 'double.exp', value: { doubleValue: 6.02214076e23 } },
            { key: 'array.mixed', value: { arrayValue: { values: [{ stringValue: 's' }, { boolValue: false }, { doubleValue: 1.5 }] } } },
          ],
          droppedAttributesCount: 5,
          events: [{ timeUnixNano: ns(baseNs, 3), name: 'ev', droppedAttributesCount: 2 }],
          droppedEventsCount: 7,
          links: [{ traceId: TRACE_ID, spanId: SPAN_ID, traceState: 'a=b', flags: 0x101, droppedAttributesCount: 1 }],
          droppedLinksCount: 9,
          status: { code: 2, message: 'rich failure' },
        }],
      }],
    }],
  };
}

export function richLogsRequest(runId, baseNs) {
  return {
    resourceLogs: [{
      resource: resource(runId, 'rich-logs'),
      scopeLogs: [{
        scope: { name: 'hand.built.logs', version: '0.1' },
        logRecords: [{
          timeUnixNano: ns(baseNs, 5),
          observedTimeUnixNano: ns(baseNs, 6),
          severityNumber: 21,
          severityText: 'FATAL',
          eventName: 'app.crash',
          body: { kvlistValue: { values: [
            { key: 'message', value: { stringValue: 'disk full' } },
            { key: 'raw', value: { bytesValue: Buffer.from('\x00binary\xff', 'latin1').toString('base64') } },
          ] } },
          attributes: [{ key: 'attempt', value: { intValue: '3' } }],
          droppedAttributesCount: 4,
          flags: 1,
          traceId: TRACE_ID,
          spanId: SPAN_ID,
        }, {
          // observed time only, no body, no severity
          observedTimeUnixNano: ns(baseNs, 7),
          attributes: [{ key: 'only', value: { boolValue: true } }],
        }],
      }],
    }],
  };
}
