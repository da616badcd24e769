// The self-signed certificate of `restful create-self-signed-cert`: an RSA 2048
// key made by Node's crypto off the event loop, the certificate built and
// signed (SHA-512) by node-forge, as Ceph's module does with pyOpenSSL
// (O=IT, CN=ceph-restful, ten years). Unlike Ceph's, it names the manager's
// addresses in subjectAltName, so clients can verify it with --cacert.

import { createPrivateKey, generateKeyPair, randomBytes, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface SelfSignedCert {
  /** PEM certificate. */
  crt: string;
  /** PEM private key (PKCS#8). */
  key: string;
}

const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** A key pair and a self-signed certificate valid from `now` for ten years, naming `names` (host names or IPs). */
export async function createSelfSignedCert(names: readonly string[], now = new Date()): Promise<SelfSignedCert> {
  const key = await new Promise<string>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, _pub, priv) => (err ? reject(err) : resolve(priv)));
  });
  const privateKey = forge.pki.privateKeyFromPem(key);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(privateKey.n, privateKey.e);
  // A positive 128-bit serial (the top bit clear), as Ceph's uuid4-derived one.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + TEN_YEARS_MS);
  const subject = [{ name: 'organizationName', value: 'IT' }, { name: 'commonName', value: 'ceph-restful' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const altNames = [...new Set(names.filter((n) => n !== ''))].map((n) => (isIP(n) ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(privateKey, forge.md.sha512.create());
  return { crt: forge.pki.certificateToPem(cert), key };
}

/** Throws, naming what is wrong, unless `crt` and `key` are a PEM certificate and its private key. */
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

