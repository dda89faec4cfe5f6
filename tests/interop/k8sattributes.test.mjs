// k8sattributes end to end: the official OpenTelemetry JS SDK sends spans from 127.0.0.1 (OTLP
// gRPC, HTTP/protobuf and HTTP/JSON) to otter whose k8sattributes processor watches a fake
// Kubernetes API server (node https on loopback, the test CA, a bearer-token check). The fake
// lists one pod with IP 127.0.0.1 owned by a ReplicaSet of Deployment "checkout", and streams
// watch events over a held-open chunked response; otter reaches it with auth_type kubeConfig
// through a kubeconfig file the test writes. The file exporter's output must carry the pod's
// metadata on every span's resource, and a MODIFIED event must change what later spans get.
//
//   SDK --(grpc | http/protobuf | http/json)--> otter [k8sattributes] --> file
//                                                   ^ list + watch (HTTPS)
//                                              fake Kubernetes API

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

import { makeTestPki } from './lib/certs.mjs';
import { pollUntil, startOtter, toYaml } from './lib/harness.mjs';
import { createOtlpExporters, PROTOCOLS } from './lib/sdk_workload.mjs';

for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];

const OTTER_BIN = process.env.OTTER_BIN ?? '';
const ROOT = fs.mkdtempSync(path.join(os.tmpdir(), 'otter-interop-k8s-'));
const TOKEN = 'interop-service-account-token';

function pod(resourceVersion, team) {
  return {
    kind: 'Pod', apiVersion: 'v1',
    metadata: {
      name: 'checkout-6d9f8b7c5d-q2w3e', namespace: 'shop', uid: 'b1c2d3e4-0000-4000-8000-000000000001',
      resourceVersion, creationTimestamp: '2024-05-06T07:08:09Z',
      labels: { team, 'pod-template-hash': '6d9f8b7c5d' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'checkout-6d9f8b7c5d',
        uid: 'rs-0001', controller: true }],
    },
    spec: { nodeName: 'kind-worker', containers: [{ name: 'app', image: 'ghcr.io/acme/checkout:2.3.1' }] },
    status: { phase: 'Running', podIP: '127.0.0.1', startTime: '2024-05-06T07:08:10Z',
      containerStatuses: [{ name: 'app', containerID: 'containerd://0a1b2c3d', restartCount: 0, ready: true }] },
  };
}

const REPLICA_SET = {
  kind: 'ReplicaSet', apiVersion: 'apps/v1',
  metadata: { name: 'checkout-6d9f8b7c5d', namespace: 'shop', uid: 'rs-0001', resourceVersion: '3',
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'checkout', uid: 'dep-0001' }] },
};

// The fake API server: lists, and watches held open until the test writes events to them.
function startFakeApi(pki) {
  const api = { requests: [], unauthorized: 0, watches: new Map() };
  const server = https.createServer({ cert: pki.read('serverCert'), key: pki.read('serverKey') }, (req, res) => {
    const url = new URL(req.url, 'https://127.0.0.1');
    api.requests.push(req.url);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      api.unauthorized++;
      res.writeHead(401, { 'content-type': 'application/json' })
        .end('{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}');
      return;
    }
    const items = url.pathname === '/api/v1/pods' ? [pod('10', 'payments')]
      : url.pathname === '/apis/apps/v1/replicasets' ? [REPLICA_SET] : null;
    if (!items) {
      res.writeHead(404).end();
      return;
    }
    if (url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, held open
      res.flushHeaders();
      api.watches.set(url.pathname, { res, resourceVersion: url.searchParams.get('resourceVersion') });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '11' }, items }));
  });
  api.event = (pathname, type, object) => {
    api.watches.get(pathname).res.write(`${JSON.stringify({ type, object })}\n`);
  };
  api.listen = () => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  api.close = () => {
    for (const w of api.watches.values()) w.res.destroy();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return api;
}

function otterConfig(filePath) {
  return ([grpcPort, httpPort, healthPort, metricsPort]) => {
    const cfg = {
      receivers: { otlp: { protocols: {
        grpc: { endpoint: `127.0.0.1:${grpcPort}` },
        http: { endpoint: `127.0.0.1:${httpPort}` },
      } } },
      processors: { k8sattributes: {
        auth_type: 'kubeConfig',
        wait_for_metadata: true,
        extract: {
          metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.pod.start_time',
            'k8s.deployment.name', 'k8s.replicaset.name', 'k8s.node.name', 'k8s.container.name',
            'container.id', 'container.image.name', 'container.image.tag'],
        },
      } },
      exporters: { file: { path: filePath, format: 'json' } },
      extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
      service: {
        extensions: ['health_check'],
        telemetry: { metrics: { address: `127.0.0.1:${metricsPort}` } },
        pipelines: { traces: { receivers: ['otlp'], processors: ['k8sattributes'], exporters: ['file'] } },
      },
    };
    // Labels: a list of maps, which the minimal YAML emitter does not write; appended by hand.
    const yaml = toYaml(cfg)
      .replace(/^( *)wait_for_metadata: true$/m, '$1wait_for_metadata: true\n$1pod_association: [{sources: [{from: connection}]}]')
      .replace(/^( +)metadata: \[/m, '$1labels: [{tag_name: app.team, key: team}]\n$1metadata: [');
    return { yaml: `${yaml}\n`, healthPort };
  };
}

// Resource attributes (string values) of each span in the file, keyed by span name.
function spansByName(filePath) {
  const out = new Map();
  if (!fs.existsSync(filePath)) return out;
  for (const line of fs.readFileSync(filePath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    for (const rs of JSON.parse(line).resourceSpans ?? []) {
      const attrs = {};
      for (const kv of rs.resource?.attributes ?? []) attrs[kv.key] = kv.value.stringValue;
      for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) out.set(s.name, attrs);
    }
  }
  return out;
}

async function sendSpan(target, name) {
  const { traces } = createOtlpExporters(target);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    spanProcessors: [new SimpleSpanProcessor(traces)],
  });
  provider.getTracer('k8s.interop').startSpan(name).end();
  await provider.forceFlush();
  await provider.shutdown();
}

describe('k8sattributes with a fake Kubernetes API', { skip: !OTTER_BIN && 'OTTER_BIN not set' }, () => {
  let api;
  let otter;
  let target;
  const filePath = path.join(ROOT, 'spans.jsonl');

  before(async () => {
    const pki = makeTestPki(path.join(ROOT, 'pki'));
    api = startFakeApi(pki);
    const port = await api.listen();
    const kubeconfig = path.join(ROOT, 'kubeconfig');
    fs.writeFileSync(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: interop',
      'clusters:', '- name: fake', '  cluster:', `    server: https://127.0.0.1:${port}`,
      `    certificate-authority: ${pki.caFile}`,
      'users:', '- name: sa', '  user:', `    token: ${TOKEN}`,
      'contexts:', '- name: interop', '  context: {cluster: fake, user: sa, namespace: shop}', '',
    ].join('\n'));
    process.env.KUBECONFIG = kubeconfig;
    otter = await startOtter({ bin: OTTER_BIN, dir: ROOT, name: 'otter-k8s', portCount: 4,
      makeConfig: otterConfig(filePath) });
    const [grpcPort, httpPort] = otter.ports;
    target = { grpcEndpoint: `127.0.0.1:${grpcPort}`, httpBase: `http://127.0.0.1:${httpPort}` };
  });

  after(async () => {
    const status = otter ? await otter.stop() : null;
    if (api) await api.close();
    if (status) assert.equal(status.code, 0, `otter exit ${JSON.stringify(status)}\n${otter.logTail()}`);
  });

  test('spans get pod metadata, over every protocol', async () => {
    for (const protocol of PROTOCOLS) await sendSpan({ ...target, protocol }, `span-${protocol}`);
    const got = await pollUntil('three spans in the file', () => {
      const m = spansByName(filePath);
      return PROTOCOLS.every((p) => m.has(`span-${p}`)) ? m : null;
    });
    const expected = {
      'service.name': 'checkout',
      'k8s.namespace.name': 'shop',
      'k8s.pod.name': 'checkout-6d9f8b7c5d-q2w3e',
      'k8s.pod.uid': 'b1c2d3e4-0000-4000-8000-000000000001',
      'k8s.pod.start_time': '2024-05-06T07:08:09Z',
      'k8s.deployment.name': 'checkout',
      'k8s.replicaset.name': 'checkout-6d9f8b7c5d',
      'k8s.node.name': 'kind-worker',
      'k8s.container.name': 'app',
      'container.id': '0a1b2c3d',
      'container.image.name': 'ghcr.io/acme/checkout',
      'container.image.tag': '2.3.1',
      'app.team': 'payments',
    };
    for (const p of PROTOCOLS) {
      const attrs = { ...got.get(`span-${p}`) };
      // The SDK's own resource attributes (telemetry.sdk.*) are not ours to check.
      for (const k of Object.keys(attrs)) if (k.startsWith('telemetry.sdk.')) delete attrs[k];
      assert.deepEqual(attrs, expected, `resource of the ${p} span`);
    }
    // Lists and watches were authenticated, and the watch resumed at the list's version.
    assert.equal(api.unauthorized, 0);
    assert.equal(api.watches.get('/api/v1/pods').resourceVersion, '11');
  });

  test('a MODIFIED event on the watch stream changes what later spans get', async () => {
    api.event('/api/v1/pods', 'MODIFIED', pod('12', 'platform'));
    // The change is applied asynchronously: send until a span shows it.
    let n = 0;
    await pollUntil('a span with app.team=platform', async () => {
      n++;
      await sendSpan({ ...target, protocol: 'http/protobuf' }, `after-${n}`);
      const m = await pollUntil(`span after-${n}`, () => {
        const s = spansByName(filePath);
        return s.has(`after-${n}`) ? s : null;
      });
      return m.get(`after-${n}`)['app.team'] === 'platform';
    }, { timeoutMs: 15000, intervalMs: 100 });
  });
  // The seed's "Recommended Collector Processors" config as written (tests/testdata/seed), with
  // only endpoints, the k8s auth (kubeconfig instead of in-cluster), a shorter decision wait and
  // a file exporter merged over it: the chain runs, and a trace with an error span comes out
  // enriched by every processor and redacted.
  test('the seed processor chain runs: pod metadata, detected host, upserted environment, redacted, error trace kept',
    { timeout: 30000 }, async () => {
      const seedFile = path.join(ROOT, 'seed-spans.jsonl');
      const seed = await startOtter({
        bin: OTTER_BIN, dir: ROOT, name: 'otter-seed', portCount: 3,
        extraArgs: ['--config', path.resolve('../testdata/seed/processors.yaml')],
        makeConfig: ([grpcPort, httpPort, healthPort]) => ({
          healthPort,
          yaml: `${toYaml({
            receivers: { otlp: { protocols: {
              grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${httpPort}` } } } },
            processors: { k8sattributes: { auth_type: 'kubeConfig' }, tail_sampling: { decision_wait: '500ms' },
              batch: { timeout: '100ms' } },
            exporters: { file: { path: seedFile, format: 'json' } },
            extensions: { health_check: { endpoint: `127.0.0.1:${healthPort}` } },
            service: {
              extensions: ['health_check'],
              telemetry: { metrics: { level: 'none' } },
              pipelines: { traces: { exporters: ['file'] }, metrics: { exporters: ['file'] }, logs: { exporters: ['file'] } },
            },
          })}\n`,
        }),
      });
      try {
        const { traces } = createOtlpExporters({ protocol: 'grpc', grpcEndpoint: `127.0.0.1:${seed.ports[0]}` });
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': 'checkout', 'deployment.environment': 'dev' }),
          spanProcessors: [new SimpleSpanProcessor(traces)],
        });
        const tracer = provider.getTracer('seed.interop');
        // Error traces until one comes out with pod metadata (the pod list may not be loaded for
        // the first).
        const found = await pollUntil('an enriched error trace', async () => {
          const span = tracer.startSpan('charge', { attributes: { password: 'hunter2', api_key: 'k-1', 'order.id': 'o-9' } });
          span.setStatus({ code: 2, message: 'card declined' });
          span.end();
          await provider.forceFlush();
          if (!fs.existsSync(seedFile)) return null;
          for (const line of fs.readFileSync(seedFile, 'utf8').split('\n')) {
            if (!line.trim()) continue;
            for (const rs of JSON.parse(line).resourceSpans ?? []) {
              const res = Object.fromEntries((rs.resource?.attributes ?? []).map((kv) => [kv.key, kv.value.stringValue]));
              if (!res['k8s.pod.name']) continue;
              const span0 = rs.scopeSpans[0].spans[0];
              return { res, attrs: Object.fromEntries(span0.attributes.map((kv) => [kv.key, kv.value.stringValue])) };
            }
          }
          return null;
        }, { timeoutMs: 20000, intervalMs: 300 });
        await provider.shutdown();
        assert.equal(found.res['k8s.pod.name'], 'checkout-6d9f8b7c5d-q2w3e');
        assert.equal(found.res['k8s.namespace.name'], 'shop');
        assert.equal(found.res['k8s.deployment.name'], 'checkout');
        assert.equal(found.res['deployment.environment'], 'production');  // resource: upsert
        assert.ok(found.res['host.name'], 'resourcedetection/system adds host.name');
        assert.equal(found.res['os.type'], 'linux');
        assert.deepEqual(found.attrs, { 'order.id': 'o-9' });  // attributes/redact
      } finally {
        const status = await seed.stop();
        assert.equal(status.code, 0, seed.logTail());
      }
    });
});
