import { execFileSync } from 'node:child_process';
import path from 'node:path';

export interface TestCertificate {
  certPath: string;
  keyPath: string;
}

/**
 * Writes a self-signed certificate for the loopback address (`IP:127.0.0.1`, `DNS:localhost`) into `dir`. Servers
 * use it for HTTPS; clients trust it through `NODE_EXTRA_CA_CERTS=<certPath>`.
 */
export function createTestCertificate(dir: string): TestCertificate {
  const certPath = path.join(dir, 'loopback-cert.pem');
  const keyPath = path.join(dir, 'loopback-key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      // A CA flag lets Node accept the self-signed certificate as its own trust anchor.
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return { certPath, keyPath };
}
