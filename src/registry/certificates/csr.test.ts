import { describe, expect, it } from 'vitest';
import { checkSignature, parseCSR } from './csr.js';
import { type KeyType, opensslRequest } from './testing.js';

describe('parseCSR', () => {
  it('reads the subject and every kind of subjectAltName of an openssl request', () => {
    const { csr } = opensslRequest('/CN=system:node:n1/O=system:nodes/O=extra', {
      san: 'DNS:n1.example,DNS:n1,IP:10.0.0.7,IP:fd00::1,email:ops@example.com,URI:spiffe://cluster/n1',
    });
    const req = parseCSR(csr);
    expect(req).toMatchObject({
      commonName: 'system:node:n1',
      organizations: ['system:nodes', 'extra'],
      dnsNames: ['n1.example', 'n1'],
      ipAddresses: ['10.0.0.7', 'fd00::1'],
      emailAddresses: ['ops@example.com'],
      uris: ['spiffe://cluster/n1'],
    });
  });

  it.each<KeyType>(['ec', 'rsa', 'ed25519'])('accepts the signature of a %s request', (keyType) => {
    const req = parseCSR(opensslRequest('/CN=alice', { keyType }).csr);
    expect(req.commonName).toBe('alice');
    expect(req.organizations).toEqual([]);
    expect(() => checkSignature(req)).not.toThrow();
  });

  it('refuses a request whose signed part was altered', () => {
    const req = parseCSR(opensslRequest('/CN=alice').csr);
    const at = req.signed.indexOf(Buffer.from('alice'));
    req.signed[at] = 'm'.charCodeAt(0);
    expect(() => checkSignature(req)).toThrow('x509: ECDSA verification failure');
    const rsa = parseCSR(opensslRequest('/CN=bob', { keyType: 'rsa' }).csr);
    rsa.signature[10] ^= 0xff;
    expect(() => checkSignature(rsa)).toThrow('crypto/rsa: verification error');
  });

  it('names what is wrong with something that is not a request', () => {
    expect(() => parseCSR('')).toThrow('PEM block type must be CERTIFICATE REQUEST');
    expect(() => parseCSR('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')).toThrow(
      'PEM block type must be CERTIFICATE REQUEST',
    );
    expect(() =>
      parseCSR('-----BEGIN CERTIFICATE REQUEST-----\nMAMCAQA=\n-----END CERTIFICATE REQUEST-----\n'),
    ).toThrow('x509: malformed certificate request');
    const { csr } = opensslRequest('/CN=alice');
    const der = Buffer.from(csr.split('\n').slice(1, -2).join(''), 'base64');
    const truncated = `-----BEGIN CERTIFICATE REQUEST-----\n${der.subarray(0, der.length - 10).toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    expect(() => parseCSR(truncated)).toThrow('x509: malformed certificate request');
  });
});
