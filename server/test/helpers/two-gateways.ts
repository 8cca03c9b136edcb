import type { Socket } from 'socket.io-client';
import type { Config } from '../../src/config/config.js';
import { createTestEnv, type TestEnv } from './env.js';
import { startTestNode, type TestNode } from './node.js';

/**
 * Two gateways over one Postgres schema and Redis prefix: A also runs the workers, B is a gateway
 * only, so anything that must cross the Redis adapter is tested by watching on one and acting on
 * the other. `centerOf` maps each seeded candidate to its center; `track` closes sockets at the end.
 */
export async function startTwoGateways(overrides: Partial<Config> = {}) {
  const env: TestEnv = await createTestEnv(overrides);
  const nodeA: TestNode = await startTestNode(env.config, 'all');
  const nodeB: TestNode = await startTestNode(env.config, 'gateway', { GATEWAY_ID: `${env.config.GATEWAY_ID}-b` });
  const rows = await env.sql.unsafe<{ id: string; center_id: string }[]>('SELECT id, center_id FROM candidates');
  const sockets: Socket[] = [];
  return {
    env,
    nodeA,
    nodeB,
    centerOf: new Map(rows.map((r) => [r.id, r.center_id])),
    track<T extends Socket>(socket: T): T {
      sockets.push(socket);
      return socket;
    },
    async close(): Promise<void> {
      for (const s of sockets) s.disconnect();
      await nodeB.close();
      await nodeA.close();
      await env.cleanup();
    },
  };
}
