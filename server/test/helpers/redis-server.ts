import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './env.js';
import { exited, freePort } from './processes.js';

const run = promisify(execFile);

export interface OwnRedisServer {
  url: string;
  /** a command through redis-cli (trimmed output) */
  cli: (...args: string[]) => Promise<string>;
  /**
   * SHUTDOWN NOSAVE and, `downMs` later, start again on the same port: it comes back empty, as a
   * Redis without persistence does; meanwhile clients' reconnects are refused
   */
  restartEmpty: (downMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** A redis-server of the test's own (free port, temp folder, no persistence): never the shared one. */
export async function startRedisServer(redisServer: string, redisCli: string): Promise<OwnRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'examhall-redis-'));
  const port = await freePort();
  const cli = (...args: string[]) => run(redisCli, ['-h', '127.0.0.1', '-p', String(port), ...args]).then((r) => r.stdout.trim());
  let child: ChildProcess | undefined;
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);
  const launch = async () => {
    child = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    await waitFor(() => cli('ping').then((out) => out === 'PONG', () => false), 10_000, `redis-server on ${port}`);
  };
  const stop = async () => {
    process.off('exit', killOnExit);
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (child) await exited(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    cli,
    restartEmpty: async (downMs = 0) => {
      const old = child!;
      await cli('shutdown', 'nosave').catch(() => undefined); // the connection drops as it answers
      await exited(old);
      await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    stop,
  };
}
