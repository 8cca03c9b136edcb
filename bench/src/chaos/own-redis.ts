import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitUntil } from '../answers/stack.js';

const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * A redis-server of our own (free port, temp folder, no persistence, like the shared one), so the
 * chaos suite can flush, restart and freeze it without touching anybody else's Redis.
 */
export interface OwnRedis {
  url: string;
  port: number;
  /** SIGSTOP: connections stay open and hang, as in a network partition */
  freeze(): void;
  thaw(): void;
  /** FLUSHALL, then a restart on the same port (no persistence: it comes back empty); resolves when it answers PING */
  flushAndRestart(): Promise<void>;
  /** kills it and removes its folder; safe to call twice */
  stop(): void;
  /** for the CPU figures */
  pids(): number[];
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'examhall-chaos-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess | undefined;
  let stopped = false;

  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log')];
    const child = spawn(REDIS_SERVER, args, { stdio: 'ignore' });
    proc = child;
    const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`${REDIS_SERVER}: ${err.message}`))));
    failed.catch(() => undefined);
    await Promise.race([failed, waitUntil(() => ping(url), 10_000, `our redis-server on port ${port}`, 50)]);
  };

  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT'); // a frozen process cannot act on anything else
      proc.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // a crash of the orchestrator must not leave a redis-server behind
  process.once('exit', stop);

  try {
    await launch();
  } catch (err) {
    stop();
    throw err;
  }
  return {
    url,
    port,
    freeze: () => void proc?.kill('SIGSTOP'),
    thaw: () => void proc?.kill('SIGCONT'),
    flushAndRestart: async () => {
      const admin = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
      admin.on('error', () => {});
      try {
        await admin.connect();
        await admin.flushall();
        await admin.shutdown('NOSAVE').catch(() => undefined); // the connection drops as it answers
      } finally {
        admin.disconnect();
      }
      const old = proc!;
      if (old.exitCode === null && old.signalCode === null) await new Promise((r) => old.once('exit', r));
      await launch();
    },
    stop,
    pids: () => (proc?.pid !== undefined && proc.exitCode === null ? [proc.pid] : []),
  };
}

async function ping(url: string): Promise<boolean> {
  const r = new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
