/**
 * The client's address as the gateway should see it. Behind a proxy the socket's peer is the proxy;
 * the proxy's X-Forwarded-For is believed only when the peer is one of TRUSTED_PROXIES (anyone can
 * send the header). The right-most address not itself a trusted proxy is the client.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, trusted: TrustedProxies): string {
  const direct = normalize(peer);
  if (!trusted.has(direct) || forwardedFor === undefined) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => normalize(h.trim())).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  return direct;
}

export interface TrustedProxies {
  has(address: string): boolean;
}

/** Exact addresses, and IPv4 ranges in CIDR form (`10.0.0.0/8`: a Kubernetes ingress's pods). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const exact = new Set<string>();
  const ranges: { base: number; mask: number }[] = [];
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    const base = ipv4ToInt(normalize(ip ?? ''));
    if (bits !== undefined && base !== null && Number(bits) >= 0 && Number(bits) <= 32) {
      const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
      ranges.push({ base: (base & mask) >>> 0, mask });
    } else exact.add(normalize(entry));
  }
  return {
    has(address) {
      if (exact.has(address)) return true;
      const n = ipv4ToInt(address);
      return n !== null && ranges.some((r) => ((n & r.mask) >>> 0) === r.base);
    },
  };
}

function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalize(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export type AddressResolver = (peer: string, forwardedFor: string | string[] | undefined) => string;

export function addressResolver(entries: readonly string[]): AddressResolver {
  const trusted = trustedProxies(entries);
  return (peer, forwardedFor) => clientAddress(peer, forwardedFor, trusted);
}
