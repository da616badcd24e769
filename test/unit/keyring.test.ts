import { describe, expect, it } from 'vitest';
import { clientProof, newNonce, proofsEqual, serverProof } from '../../src/protocol/auth.js';
import { defaultKeyring, Keyring, KeyringError, parseCaps } from '../../src/protocol/keyring.js';

describe('keyring', () => {
  it('round-trips through the Ceph keyring format', () => {
    const ring = defaultKeyring();
    const back = Keyring.parse(ring.serialize());
    expect(back.entries().map((e) => [e.entity, e.key.toString('hex'), e.caps.text])).toEqual(
      ring.entries().map((e) => [e.entity, e.key.toString('hex'), e.caps.text]),
    );
  });

  it('prefers an exact entry over the type wildcard', () => {
    const ring = defaultKeyring();
    const own = Buffer.alloc(32, 7);
    ring.add('osd.3', own, 'allow profile osd');
    expect(ring.lookup('osd.3')!.key).toEqual(own);
    expect(ring.lookup('osd.4')!.entity).toBe('osd.*');
    expect(ring.lookup('client.nobody')).toBeUndefined();
  });

  it('parses capabilities', () => {
    expect(parseCaps('allow *')).toMatchObject({ daemon: true, mapSource: true, read: true, write: true });
    expect(parseCaps('allow r')).toMatchObject({ daemon: false, mapSource: false, read: true, write: false });
    expect(parseCaps('allow rw')).toMatchObject({ read: true, write: true, daemon: false });
    expect(parseCaps('allow profile osd')).toMatchObject({ daemon: true, mapSource: false, read: true, write: false });
    expect(parseCaps('allow profile mon')).toMatchObject({ daemon: true, mapSource: true });
    expect(parseCaps('allow profile osd, allow rw')).toMatchObject({ daemon: true, write: true });
    expect(parseCaps('allow profile crash')).toMatchObject({ daemon: false, mapSource: false, read: true, write: false, writePrefixes: ['crash post'] });
    expect(() => parseCaps('allow everything')).toThrow(/bad capability 'allow everything'/);
  });

  it('names the line of a bad keyring', () => {
    expect(() => Keyring.parse('[client.admin]\n\tkey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\tbogus line', 'k')).toThrow(/k:3: cannot parse 'bogus line'/);
    expect(() => Keyring.parse('[client.admin]\n\tcaps mgr = "allow *"\n', 'k')).toThrow(KeyringError);
    expect(() => Keyring.parse('[nodot]\n\tkey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n')).toThrow(/bad entity name 'nodot'/);
  });
});

describe('challenge-response', () => {
  it('accepts the right proof only', () => {
    const secret = Buffer.alloc(32, 1);
    const sn = newNonce();
    const cn = newNonce();
    const p = clientProof(secret, 'osd.1', sn, cn);
    expect(proofsEqual(p, clientProof(secret, 'osd.1', sn, cn))).toBe(true);
    expect(proofsEqual(p, clientProof(secret, 'osd.2', sn, cn))).toBe(false);
    expect(proofsEqual(p, clientProof(Buffer.alloc(32, 2), 'osd.1', sn, cn))).toBe(false);
    expect(proofsEqual(p, serverProof(secret, 'osd.1', cn, sn))).toBe(false);
    expect(proofsEqual('zz', p)).toBe(false);
  });
});
