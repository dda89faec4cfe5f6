// Test PKI made with the `openssl` CLI in a temp dir: a CA, a server certificate for 127.0.0.1
// (and localhost), a client certificate from the same CA, and a "rogue" client certificate from a
// second, untrusted CA for the negative mTLS case. EC P-256 keys keep generation fast.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function openssl(dir, args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function makeCa(dir, name) {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=otter interop ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function makeLeaf(dir, name, ca, cn, extensions) {
  fs.writeFileSync(path.join(dir, `${name}.ext`), `${extensions}\n`);
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
    '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
}

// Returns absolute paths: {caFile, serverCert, serverKey, clientCert, clientKey, rogueCert, rogueKey}
// plus read() for PEM buffers.
export function makeTestPki(dir) {
  fs.mkdirSync(dir, { recursive: true });
  makeCa(dir, 'ca');
  makeCa(dir, 'rogue-ca');
  makeLeaf(dir, 'server', 'ca', '127.0.0.1',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost');
  makeLeaf(dir, 'client', 'ca', 'otter-interop-client',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth');
  makeLeaf(dir, 'rogue-client', 'rogue-ca', 'otter-interop-rogue',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth');
  const p = (f) => path.join(dir, f);
  const pki = {
    caFile: p('ca.crt'),
    serverCert: p('server.crt'),
    serverKey: p('server.key'),
    clientCert: p('client.crt'),
    clientKey: p('client.key'),
    rogueCert: p('rogue-client.crt'),
    rogueKey: p('rogue-client.key'),
  };
  pki.read = (name) => fs.readFileSync(pki[name]);
  return pki;
}
