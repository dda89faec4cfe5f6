// Writes the fuzz seed corpora of the OTLP decoders from real SDK payloads: runs the interop
// workload (lib/sdk_workload.mjs, the official JS SDK) over http/protobuf and http/json against
// a loopback server that saves each request body. Run from tests/interop (after npm ci):
//   node tools/capture_fuzz_seeds.mjs ../../fuzz/corpus
// proto_codec_fuzz seeds get its selector byte first (0 traces, 1 metrics, 2 logs);
// kafka_message_fuzz seeds get theirs (signal in the low nibble, encoding in the high one).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

import { runSdkWorkload } from '../lib/sdk_workload.mjs';

const out = process.argv[2];
if (!out) {
  console.error('usage: node tools/capture_fuzz_seeds.mjs <fuzz/corpus dir>');
  process.exit(2);
}
const signals = { traces: 0, metrics: 1, logs: 2 };
const bodies = [];
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const signal = req.url.split('/').pop();
    const json = (req.headers['content-type'] ?? '').includes('json');
    bodies.push({ signal, json, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
    res.end(json ? '{}' : '');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const httpBase = `http://127.0.0.1:${server.address().port}`;
for (const protocol of ['http/protobuf', 'http/json']) {
  await runSdkWorkload({ protocol, httpBase, gzip: false }, `fuzz-seed-${protocol}`);
}
server.close();

const write = (target, name, bytes) => {
  mkdirSync(join(out, target), { recursive: true });
  writeFileSync(join(out, target, name), bytes);
};
let n = 0;
for (const { signal, json, body } of bodies) {
  const s = signals[signal];
  if (s === undefined) continue;
  const name = `sdk-${signal}-${n++}`;
  if (json) {
    write('json_codec_fuzz', name, body);
    write('kafka_message_fuzz', name, Buffer.concat([Buffer.from([s | 0x10]), body]));
  } else {
    write('proto_codec_fuzz', name, Buffer.concat([Buffer.from([s]), body]));
    write('kafka_message_fuzz', name, Buffer.concat([Buffer.from([s]), body]));
  }
}
console.log(`wrote ${n} seeds from ${bodies.length} requests`);
