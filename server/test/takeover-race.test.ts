/**
 * The newest device owns the attempt, also across gateways and in quick succession: a takeover
 * notice from gateway A (sent a few ms after its join, through Redis) must not close a socket that
 * joined on gateway B after it. Before the fix, B's newer socket was closed by A's late notice.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EVENTS } from '@examhall/shared';
import { startTwoGateways } from './helpers/two-gateways.js';
import { tokenFor } from './helpers/node.js';
import { connected, rawConnect, rawJoin } from './helpers/raw-client.js';

let gw: Awaited<ReturnType<typeof startTwoGateways>>;
beforeAll(async () => {
  gw = await startTwoGateways();
});
afterAll(async () => {
  await gw?.close();
});

it('a device that joins on B right after one on A keeps the attempt; A\'s socket is replaced', async () => {
  for (let round = 0; round < 6; round++) {
    const candidateId = gw.env.seeded.candidateIds[round]!;
    const token = await tokenFor(gw.env.config, candidateId, gw.env.seeded.sittingId);
    const older = gw.track(rawConnect(gw.nodeA.port, token));
    const newer = gw.track(rawConnect(gw.nodeB.port, token));
    await Promise.all([connected(older), connected(newer)]);
    const replaced = new Promise<void>((resolve) => older.once(EVENTS.sessionReplaced, () => resolve()));
    await rawJoin(older);
    await rawJoin(newer); // at once: A's notice is still on its way to B
    await replaced;
    await new Promise((r) => setTimeout(r, 150)); // longer than the notice's coalescing and a Redis round trip
    expect(newer.connected, `round ${round}`).toBe(true);
    expect(older.connected, `round ${round}`).toBe(false);
  }
});
