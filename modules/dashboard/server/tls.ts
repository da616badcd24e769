// The dashboard's HTTPS certificate: a self-signed one made in-process (the SDK's
// helper, the `selfsigned` library over WebCrypto; no openssl process), or one the operator
// set. Kept in the module store under Ceph's names (`crt`, `key`), so the
// standby that takes over serves the same certificate.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { hostname } from 'node:os';
import { checkCertPair as checkPemPair, createSelfSignedCert } from '../../../src/mgr-module/index.js';

export interface CertPair {
  cert: string;
  key: string;
}

const DAY_MS = 86_400_000;

/** A self-signed certificate for this host (CN and SANs: hostname, localhost, 127.0.0.1, ::1), valid 3 years from `now`. */
export async function selfSignedCert(now: Date, host = hostname()): Promise<CertPair> {
  const { crt, key } = await createSelfSignedCert({
    subject: [{ name: 'commonName', value: host }, { name: 'organizationName', value: 'IT' }, { shortName: 'OU', value: 'ceph-dashboard' }],
    names: [host, 'localhost', '127.0.0.1', '::1'],
    key: { type: 'ec', curve: 'P-256' },
    algorithm: 'sha256',
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 3 * 365 * DAY_MS),
  });
  return { cert: crt, key };
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
  checkPemPair(pair.cert, pair.key);
}
