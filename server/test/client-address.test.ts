import { describe, expect, it } from 'vitest';
import { clientAddress, trustedProxies } from '../src/gateway/client-address.js';

const trusted = trustedProxies(['10.0.0.2', '10.0.0.3']);

describe('clientAddress', () => {
  it('believes X-Forwarded-For only from a trusted proxy', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('198.51.100.1', '203.0.113.7', trusted)).toBe('198.51.100.1'); // anyone can send the header
    expect(clientAddress('10.0.0.2', undefined, trusted)).toBe('10.0.0.2');
  });

  it('takes the right-most hop that is not a trusted proxy (the left ones are the client’s to forge)', () => {
    expect(clientAddress('10.0.0.2', '1.1.1.1, 203.0.113.7, 10.0.0.3', trusted)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', ['1.1.1.1', '203.0.113.7'], trusted)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', '10.0.0.3', trusted)).toBe('10.0.0.2');
  });

  it('reads IPv4 peers on a dual-stack socket as IPv4', () => {
    expect(clientAddress('::ffff:10.0.0.2', '::ffff:203.0.113.7', trusted)).toBe('203.0.113.7');
    expect(clientAddress('::1', '203.0.113.7', trusted)).toBe('::1');
  });

  it('trusts IPv4 ranges given in CIDR form', () => {
    const cluster = trustedProxies(['10.244.0.0/16', '192.168.1.5']);
    expect(clientAddress('10.244.7.9', '203.0.113.7', cluster)).toBe('203.0.113.7');
    expect(clientAddress('10.245.0.1', '203.0.113.7', cluster)).toBe('10.245.0.1');
    expect(clientAddress('192.168.1.5', '203.0.113.7', cluster)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:10.244.0.1', '203.0.113.7', cluster)).toBe('203.0.113.7');
  });
});
