// The self-signed certificate of `restful create-self-signed-cert`, as Ceph's
// module makes it with pyOpenSSL (RSA 2048, SHA-512, O=IT, CN=ceph-restful,
// ten years), made by the SDK's certificate helper (the `selfsigned` library,
// as the dashboard's). Unlike Ceph's, it names the manager's addresses in
// subjectAltName, so clients can verify it with --cacert.

import { createSelfSignedCert as selfSigned, type PemPair } from '../../src/mgr-module/index.js';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** A key pair and a self-signed certificate valid from `now` for ten years, naming `names` (host names or IPs). */
export function createSelfSignedCert(names: readonly string[], now = new Date()): Promise<PemPair> {
  return selfSigned({
    subject: [{ name: 'organizationName', value: 'IT' }, { name: 'commonName', value: 'ceph-restful' }],
    names,
    key: { type: 'rsa', bits: 2048 },
    algorithm: 'sha512',
    notBefore: now,
    notAfter: new Date(now.getTime() + TEN_YEARS_MS),
  });
}
