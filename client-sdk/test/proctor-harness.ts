/** Peers and clients for the ProctorClient tests, closed after each test. */
import { afterEach, vi } from 'vitest';
import type { FeedEntry } from '@examhall/shared';
import { ProctorClient, type ProctorClientEvents, type ProctorClientOptions } from '../src/index.js';
import { ProctorPeer, makeRows, type ProctorPeerOptions } from './proctor-peer.js';

export function proctorHarness() {
  const peers: ProctorPeer[] = [];
  const clients: ProctorClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  const client = (peer: ProctorPeer, options: Partial<ProctorClientOptions> = {}): ProctorClient => {
    const created = new ProctorClient({
      url: peer.url,
      token: 'proctor-token',
      // fast reconnects and re-watches keep tests short
      socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 100 },
      rewatchBackoff: { baseMs: 20, maxMs: 100 },
      ...options,
    });
    clients.push(created);
    return created;
  };
  return {
    /** a peer holding `rows` rows over centers c1 and c2 */
    peer: async (options: ProctorPeerOptions = {}, rows = 20): Promise<ProctorPeer> => {
      const peer = await ProctorPeer.start(options);
      peer.rows = makeRows(rows, ['c1', 'c2'], peer.serverNow());
      peers.push(peer);
      return peer;
    },
    client,
    watching: async (peer: ProctorPeer, options: Partial<ProctorClientOptions> = {}): Promise<ProctorClient> => {
      const created = client(peer, options);
      await created.connect();
      await created.watch();
      return created;
    },
  };
}

type First<T extends unknown[]> = T extends [infer A, ...unknown[]] ? A : undefined;

/** Collects the first argument of every emission of one event. */
export function record<E extends keyof ProctorClientEvents>(source: ProctorClient, event: E): Array<First<ProctorClientEvents[E]>> {
  const seen: Array<First<ProctorClientEvents[E]>> = [];
  source.on(event, (...args) => seen.push(args[0] as First<ProctorClientEvents[E]>));
  return seen;
}

export const eventually = <T>(check: () => T) => vi.waitFor(check, { timeout: 2_500, interval: 10 });

export const line = (at: number, candidateId: string, kind: FeedEntry['kind'] = 'saved'): FeedEntry => ({ at, candidateId, kind, text: `${candidateId} ${kind}` });
