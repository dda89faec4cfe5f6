// A minimal OTLP/HTTP JSON receiver for the harness's own self-test: it appends each request
// body, unchanged, as one line to a file — the same shape otter's file exporter writes — so the
// comparator can be validated against real SDK output without otter in the loop.
// Single-threaded (node event loop); one instance per test.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as zlib from 'node:zlib';

export async function startJsonSink(filePath) {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !/^\/v1\/(traces|metrics|logs)$/.test(req.url) ||
          !String(req.headers['content-type']).startsWith('application/json')) {
        res.writeHead(400).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      fs.appendFileSync(filePath, `${JSON.stringify(JSON.parse(body.toString('utf8')))}\n`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
