import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './env.js';
import { exited, freePort } from './processes.js';

const run = promisify(execFile);

export interface LocalRedisCluster {
  /** `127.0.0.1:<port>` of every master, as REDIS_CLUSTER_NODES takes them */
  nodes: string[];
  ports: number[];
  /** a command on one node, through redis-cli (raw output) */
  cli: (port: number, ...args: string[]) => Promise<string>;
  /** kills every redis-server and removes their folders; safe to call twice and after a failed start */
  stop: () => Promise<void>;
}

/**
 * A throwaway Redis Cluster of `size` masters (no replicas): one redis-server per node on a free
 * port, each with its own temp folder (cluster config file, log), no persistence, formed with
 * `redis-cli --cluster create`, ready once every node reports cluster_state:ok.
 */
export async function startRedisCluster(redisServer: string, redisCli: string, size = 3): Promise<LocalRedisCluster> {
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  const ports: number[] = [];
  const cli = async (port: number, ...args: string[]) => (await run(redisCli, ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;
  // a test run that dies without afterAll must not leave redis-servers behind
  const killAll = () => children.forEach((child) => child.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    children.length = 0;
    dirs.length = 0;
  };
  try {
    for (let i = 0; i < size; i++) {
      const dir = await mkdtemp(join(tmpdir(), 'examhall-redis-cluster-'));
      dirs.push(dir);
      // the bus port is chosen too: the default (port + 10000) may be above 65535 for a free ephemeral port
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir, '--cluster-enabled', 'yes',
        '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', '--save', '', '--appendonly', 'no', '--logfile', join(dir, 'redis.log')];
      children.push(spawn(redisServer, args, { stdio: 'ignore' }));
    }
    for (const port of ports) await waitFor(() => cli(port, 'ping').then((out) => out.trim() === 'PONG', () => false), 10_000, `redis-server on ${port}`);
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run(redisCli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const port of ports) await waitFor(() => cli(port, 'cluster', 'info').then((out) => out.includes('cluster_state:ok'), () => false), 15_000, `cluster_state:ok on ${port}`);
    return { nodes, ports, cli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
