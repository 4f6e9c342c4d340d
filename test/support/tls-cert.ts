/**
 * A self-signed certificate for 127.0.0.1/localhost, made at test time with
 * the openssl CLI (node:crypto cannot issue X.509 certificates). Returns
 * undefined, with the reason, when openssl is missing or fails: TLS cases
 * then skip with that message.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
}

export function makeTestCert(commonName = 'localhost'): TestCert | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-cert-'));
  try {
    const run = spawnSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2',
        '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (run.error) return { skip: `openssl is not available (${run.error.message}); TLS cases skipped` };
    if (run.status !== 0) return { skip: `openssl could not make a test certificate: ${run.stderr.trim().split('\n').pop()}` };
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
