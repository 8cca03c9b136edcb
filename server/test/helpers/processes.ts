import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/config.js';
import { waitFor } from './env.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli.ts');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The environment that makes a child process use the same schema, prefix and secret as the test's config. */
export function envFor(config: Config, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: config.DATABASE_URL,
    DATABASE_SCHEMA: config.DATABASE_SCHEMA,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    REDIS_CLUSTER_NODES: config.REDIS_CLUSTER_NODES.join(','),
    TOKEN_SECRET: config.TOKEN_SECRET,
    WORKER_LOCK_MS: String(config.WORKER_LOCK_MS),
    MAX_CONNECTIONS_PER_ADDRESS: String(config.MAX_CONNECTIONS_PER_ADDRESS),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    NODE_ENV: 'test',
    ...extra,
  };
}

/** Runs one `examhall <command>` as a separate process on the test's schema; never throws. */
export function runCli(config: Config, args: string[], extra: Record<string, string> = {}, stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', cliPath, ...args], { env: envFor(config, extra), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Spawns `examhall <role>` as a real separate process (so it can be SIGKILLed). */
export function spawnRole(role: 'gateway' | 'worker' | 'all', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, role], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  return child;
}

export async function waitReady(port: number, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    timeoutMs,
    `gateway on port ${port} to be ready`,
  );
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function killHard(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await exited(child);
}

/** A child's exit code and signal once it has exited. */
export function exitStatus(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * TCP sockets on local `port` held by process `pid`, read from /proc (Linux): whether it has a
 * listening socket there, and the peer ports of its established connections. With SO_REUSEPORT
 * every gateway has its own listen socket and its own connections, so this tells gateways on one
 * port apart where an HTTP request (answered by whichever the kernel picks) cannot. Synchronous on
 * purpose: a snapshot in one go (an await per descriptor would take one event-loop turn each).
 */
export function socketsOn(pid: number, port: number): { listening: boolean; established: number; peers: Set<number> } {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const listen = new Set<string>();
  const established = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!f[1]?.endsWith(portHex) || !f[2] || !f[9] || f[9] === '0') continue;
      if (f[3] === '0A') listen.add(`socket:[${f[9]}]`);
      else if (f[3] === '01') established.set(`socket:[${f[9]}]`, parseInt(f[2].split(':')[1]!, 16));
    }
  }
  let listening = false;
  const peers = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    // the process is gone
  }
  for (const fd of fds) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (listen.has(target)) listening = true;
    const peer = established.get(target);
    if (peer !== undefined) peers.add(peer);
  }
  return { listening, established: peers.size, peers };
}
