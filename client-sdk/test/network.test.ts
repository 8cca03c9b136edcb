import { describe, expect, it } from 'vitest';
import type { AnswerValue } from '@examhall/shared';
import { eventually, harness, record } from './harness.js';
import { sleep } from './peer.js';

const text = (value: string): AnswerValue => ({ kind: 'text', text: value });
const h = harness();

describe("the browser's online/offline events", () => {
  it('offline drops the connection at once (answers wait); online reconnects without waiting for the backoff', async () => {
    const network = new EventTarget();
    const peer = await h.peer();
    // a slow backoff: without the online event the reconnect would take 2 s at least
    const client = await h.joined(peer, { networkEvents: network, socketOptions: { reconnectionDelay: 4_000, reconnectionDelayMax: 4_000 } });
    const disconnected = record(client, 'disconnected');

    network.dispatchEvent(new Event('offline'));
    await eventually(() => expect(client.connected).toBe(false));
    expect(disconnected).toHaveLength(1);
    await client.saveAnswer('q1', text('typed offline'));
    expect(client.pendingCount()).toBe(1);

    await sleep(200);
    const back = Date.now();
    network.dispatchEvent(new Event('online'));
    await eventually(() => expect(peer.queued.get('q1')?.seq).toBe(1));
    expect(Date.now() - back).toBeLessThan(1_500);
    expect(peer.joins).toBe(2);
  });

  it('ignores online while connected, and after close', async () => {
    const network = new EventTarget();
    const peer = await h.peer();
    const client = await h.joined(peer, { networkEvents: network });
    network.dispatchEvent(new Event('online'));
    await sleep(100);
    expect(peer.connections).toBe(1);
    await client.close();
    network.dispatchEvent(new Event('online'));
    network.dispatchEvent(new Event('offline'));
    await sleep(100);
    expect(peer.connections).toBe(1);
  });
});
