import type { RedisClient } from '../store/redis.js';
import type { Sql } from '../store/db.js';
import { runQuery } from '../store/queries.js';
import type { ProctorFeed } from './feed.js';

/** A gateway silent for `deadAfterMs` (GATEWAY_DEAD_AFTER_MS) is taken as dead; it beats four times in that span. */
const beatEvery = (deadAfterMs: number) => Math.max(100, Math.floor(deadAfterMs / 4));

const heartbeatsKey = (prefix: string) => `${prefix}:gateway-heartbeats`;

/**
 * Each gateway writes "alive at <ms>" into one Redis hash. A gateway that dies without closing
 * cannot record its candidates' disconnects; the workers' sweep does it for them, at the last
 * heartbeat, so proctors see them offline and outage compensation counts the gap.
 *
 * The beat also tells when Redis lost its data: HSET creates our field again although we wrote it
 * before (Redis restarted empty or was flushed), so jobs it had acknowledged may be gone; then
 * `lost` is called. A false alarm (a worker's sweep took a stalled gateway for dead) only costs a
 * harmless resend. Beating again on every reconnect notices a restart at once.
 */
export function startHeartbeat(
  redis: RedisClient,
  prefix: string,
  gatewayId: string,
  deadAfterMs: number,
  lost: () => void = () => undefined,
): { stop: () => Promise<void> } {
  let written = false;
  const beat = async () => {
    const created = await redis.hset(heartbeatsKey(prefix), gatewayId, String(Date.now())).catch(() => undefined);
    if (created === undefined) return;
    if (created > 0 && written) lost();
    written = true;
  };
  // the connection may still be opening (it queues nothing while offline): beat as soon as it is up, and after every reconnect
  const onReady = () => void beat();
  if (redis.status === 'ready') void beat();
  redis.on('ready', onReady);
  const timer = setInterval(() => void beat(), beatEvery(deadAfterMs));
  timer.unref();
  return {
    // a gateway that closed properly recorded its own disconnects: it is not "dead"
    stop: async () => {
      clearInterval(timer);
      redis.off('ready', onReady);
      await redis.hdel(heartbeatsKey(prefix), gatewayId).catch(() => 0);
    },
  };
}

/**
 * Closes the presence of candidates held by gateways whose heartbeat stopped. A gateway missing
 * from the hash (Redis was flushed) is left alone: silence is only proof of death when a beat was seen.
 */
export async function closeDeadGatewaysPresence(deps: { sql: Sql; redis: RedisClient; prefix: string; feed: ProctorFeed; deadAfterMs: number; now?: number }): Promise<number> {
  const beats = await deps.redis.hgetall(heartbeatsKey(deps.prefix));
  const now = deps.now ?? Date.now();
  const dead = Object.entries(beats).filter(([, at]) => now - Number(at) > deps.deadAfterMs);
  if (dead.length === 0) return 0;
  const closed = await runQuery<{ attempt_id: string; changed_at: Date }>(deps.sql, 'close-dead-gateway-presence', [
    dead.map(([id]) => id),
    dead.map(([, at]) => Number(at)),
  ]);
  for (const row of closed) {
    const at = row.changed_at.getTime();
    deps.feed.record(row.attempt_id, { patch: { online: false, onlineChangedAt: at }, line: { kind: 'disconnected', text: 'its gateway stopped' }, at });
  }
  await deps.redis.hdel(heartbeatsKey(deps.prefix), ...dead.map(([id]) => id));
  return closed.length;
}
