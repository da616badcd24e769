// Self-signed certificates for modules that serve HTTPS (restful, dashboard):
// made in-process by the `selfsigned` library over Node's WebCrypto (the key
// is generated off the event loop; no openssl process), and the check that a
// PEM certificate and private key from the module store belong together.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface SelfSignedOptions {
  /** Subject (also the issuer): e.g. `[{ name: 'organizationName', value: 'IT' }, { name: 'commonName', value: 'ceph-restful' }]`. */
  subject: ReadonlyArray<{ name?: string; shortName?: string; value: string }>;
  /** Host names and IP addresses for subjectAltName ('' and duplicates are dropped). */
  names: readonly string[];
  key: { type: 'rsa'; bits: number } | { type: 'ec'; curve: 'P-256' | 'P-384' };
  /** Signature digest. */
  algorithm: 'sha256' | 'sha384' | 'sha512';
  notBefore: Date;
  notAfter: Date;
}

/** PEM certificate and PEM private key (PKCS#8). */
export interface PemPair {
  crt: string;
  key: string;
}

/** A key pair and a self-signed server certificate (random positive serial, serverAuth, the names in subjectAltName). */
export async function createSelfSignedCert(o: SelfSignedOptions): Promise<PemPair> {
  const altNames = [...new Set(o.names.filter((n) => n !== ''))].map((n) => (isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n }));
  const pems = await generate(o.subject.map((a) => ({ ...a })), {
    ...(o.key.type === 'rsa' ? { keyType: 'rsa' as const, keySize: o.key.bits } : { keyType: 'ec' as const, curve: o.key.curve }),
    algorithm: o.algorithm,
    notBeforeDate: o.notBefore,
    notAfterDate: o.notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      ...(altNames.length > 0 ? [{ name: 'subjectAltName' as const, altNames }] : []),
    ],
  });
  return { crt: pems.cert, key: pems.private };
}

/** Throws a sentence naming what is wrong unless `crt` and `key` are a PEM certificate and its private key. */
export function checkCertPair(crt: string, key: string): X509Certificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(crt);
  } catch (err) {
    throw new Error(`the certificate is not a PEM X.509 certificate: ${(err as Error).message}`, { cause: err });
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch (err) {
    throw new Error(`the private key is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  if (!matches) throw new Error('the private key does not belong to the certificate');
  return x509;
}
