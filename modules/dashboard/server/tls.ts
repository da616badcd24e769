// The dashboard's HTTPS certificate: a self-signed one made in-process (the
// `selfsigned` library over WebCrypto; no openssl process), or one the operator
// set. Kept in the module store under Ceph's names (`crt`, `key`), so the
// standby that takes over serves the same certificate.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { hostname } from 'node:os';
import { generate } from 'selfsigned';

export interface CertPair {
  cert: string;
  key: string;
}

const DAY_MS = 86_400_000;

/** A self-signed certificate for this host (CN and SANs: hostname, localhost, 127.0.0.1, ::1), valid 3 years from `now`. */
export async function selfSignedCert(now: Date, host = hostname()): Promise<CertPair> {
  const pems = await generate([{ name: 'commonName', value: host }, { name: 'organizationName', value: 'IT' }, { shortName: 'OU', value: 'ceph-dashboard' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - DAY_MS),
    notAfterDate: new Date(now.getTime() + 3 * 365 * DAY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: host }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Throws a sentence when `pem` is not a PEM certificate (or private key). */
export function checkPem(kind: 'cert' | 'key', pem: string): void {
  try {
    if (kind === 'cert') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch (err) {
    throw new Error(`not a PEM ${kind === 'cert' ? 'certificate' : 'private key'}: ${(err as Error).message}`);
  }
}

/** Throws a sentence naming what is wrong when `cert`/`key` are not a matching PEM certificate and key. */
export function checkCertPair(pair: CertPair): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pair.cert);
  } catch (err) {
    throw new Error(`not a PEM certificate: ${(err as Error).message}`);
  }
  let key;
  try {
    key = createPrivateKey(pair.key);
  } catch (err) {
    throw new Error(`not a PEM private key: ${(err as Error).message}`);
  }
  if (!x509.checkPrivateKey(key)) throw new Error('the private key does not match the certificate');
}
