import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { startTestNode, tokenFor } from './helpers/node.js';
import { envFor, freePort, killHard, spawnRole, waitReady } from './helpers/processes.js';
import { connected, rawConnect, rawJoin } from './helpers/raw-client.js';
import { offlineWithin } from '../src/proctor/compensation.js';

/**
 * A gateway that dies without closing cannot record its candidates' disconnects: the workers find
 * it silent and do, at its last heartbeat, so proctors and outage compensation see the gap.
 */
let env: TestEnv;
let worker: Awaited<ReturnType<typeof startTestNode>>;
let gateway: ChildProcess | undefined;

beforeAll(async () => {
  env = await createTestEnv({ GATEWAY_DEAD_AFTER_MS: 1500, ALERT_SWEEP_MS: 200 });
  worker = await startTestNode(env.config, 'worker');
});
afterAll(async () => {
  if (gateway) await killHard(gateway);
  await worker?.close();
  await env?.cleanup();
});

async function heartbeatOf(gatewayId: string): Promise<string | null> {
  const redis = new Redis(env.config.REDIS_URL);
  try {
    return await redis.hget(`${env.config.REDIS_PREFIX}:gateway-heartbeats`, gatewayId);
  } finally {
    redis.disconnect();
  }
}

describe('a gateway that dies', () => {
  it("has its candidates marked offline at its last heartbeat, with a disconnect event", async () => {
    const port = await freePort();
    gateway = spawnRole('gateway', envFor(env.config, { PORT: String(port), GATEWAY_ID: 'doomed', GATEWAY_DEAD_AFTER_MS: '1500' }));
    await waitReady(port);
    const socket = rawConnect(port, await tokenFor(env.config, 'cand-000001', env.seeded.sittingId));
    await connected(socket);
    const { attemptId } = await rawJoin(socket);
    await waitFor(async () => (await env.sql.unsafe('SELECT 1 FROM presence WHERE attempt_id = $1 AND online', [attemptId])).length > 0, 5000, 'online presence');

    await waitFor(async () => (await env.sql.unsafe('SELECT 1')) && (await heartbeatOf('doomed')) !== null, 5000, 'a heartbeat');
    const killedAt = Date.now();
    await killHard(gateway);
    gateway = undefined;
    socket.disconnect();
    const [row] = await waitFor(async () => {
      const rows = await env.sql.unsafe<{ online: boolean; changed_at: Date }[]>('SELECT online, changed_at FROM presence WHERE attempt_id = $1', [attemptId]);
      return rows[0]?.online === false ? rows : undefined;
    }, 10_000, 'presence closed by the workers');
    // at the last heartbeat (every 375 ms here), not when the sweep noticed
    expect(killedAt - row!.changed_at.getTime()).toBeLessThan(1000);
    expect(row!.changed_at.getTime()).toBeLessThanOrEqual(killedAt + 50);

    const events = await env.sql.unsafe<{ session_id: string; kind: 'connect' | 'disconnect'; at: Date }[]>(
      'SELECT session_id, kind, at FROM presence_events WHERE attempt_id = $1 ORDER BY at, id', [attemptId],
    );
    expect(events.map((e) => e.kind)).toEqual(['connect', 'disconnect']);
    // compensation now sees the outage from the gateway's death on
    const later = Date.now() + 60_000;
    const offline = offlineWithin(events.map((e) => ({ sessionId: e.session_id, kind: e.kind, at: e.at.getTime() })), killedAt - 10_000, later);
    expect(offline).toBeGreaterThan(59_000);
  });
});
