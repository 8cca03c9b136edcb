import { afterEach, vi } from 'vitest';
import { ExamClient, type ExamClientEvents, type ExamClientOptions } from '../src/index.js';
import { GatewayPeer, fakeToken, type PeerOptions } from './peer.js';

/** Starts peers and clients for one test file and closes all of them after each test. */
export function harness() {
  const peers: GatewayPeer[] = [];
  const clients: ExamClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  const client = (peer: GatewayPeer, options: Partial<ExamClientOptions> = {}): ExamClient => {
    const created = new ExamClient({
      url: peer.url,
      token: fakeToken(),
      // fast reconnects keep tests short; also the base of the SDK's own reconnect backoff
      socketOptions: { reconnectionDelay: 20, reconnectionDelayMax: 100 },
      ...options,
    });
    clients.push(created);
    return created;
  };
  return {
    peer: async (options: PeerOptions = {}) => {
      const peer = await GatewayPeer.start(options);
      peers.push(peer);
      return peer;
    },
    client,
    joined: async (peer: GatewayPeer, options: Partial<ExamClientOptions> = {}) => {
      const created = client(peer, options);
      await created.connect();
      await created.join();
      return created;
    },
  };
}

type First<T extends unknown[]> = T extends [infer A, ...unknown[]] ? A : undefined;

/** Collects the payload of every emission of one event. */
export function record<E extends keyof ExamClientEvents>(client: ExamClient, event: E): Array<First<ExamClientEvents[E]>> {
  const seen: Array<First<ExamClientEvents[E]>> = [];
  client.on(event, (...args) => seen.push(args[0] as First<ExamClientEvents[E]>));
  return seen;
}

/** vi.waitFor with room for a loaded CI machine; a passing check still returns at once. */
export function eventually<T>(check: () => T | Promise<T>, timeout = 2_500): Promise<T> {
  return vi.waitFor(check, { timeout, interval: 10 });
}
