import type { IncomingHttpHeaders } from 'node:http';
import type { AddressResolver } from './client-address.js';

/** The part of an engine.io connection this needs. */
export interface EngineConnection {
  remoteAddress: string;
  request: { headers: IncomingHttpHeaders };
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Open connections per client address (behind TRUSTED_PROXIES, the forwarded one). Counted per
 * engine.io connection, from its opening to its close, so a refused or dropped client is released
 * by the same close that ends it.
 */
export class ConnectionsPerAddress {
  private readonly counts = new Map<string, number>();
  private readonly addresses = new WeakMap<object, string>();

  constructor(private readonly resolve: AddressResolver) {}

  track(conn: EngineConnection): void {
    const address = this.addressOf(conn);
    this.counts.set(address, (this.counts.get(address) ?? 0) + 1);
    conn.once('close', () => {
      const left = (this.counts.get(address) ?? 1) - 1;
      if (left > 0) this.counts.set(address, left);
      else this.counts.delete(address);
    });
  }

  addressOf(conn: EngineConnection): string {
    let address = this.addresses.get(conn);
    if (address === undefined) {
      address = this.resolve(conn.remoteAddress ?? '', conn.request.headers['x-forwarded-for']);
      this.addresses.set(conn, address);
    }
    return address;
  }

  count(address: string): number {
    return this.counts.get(address) ?? 0;
  }
}
