import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../answers/stack.js';

const run = promisify(execFile);
/** PG_BIN, or Debian's newest /usr/lib/postgresql/<version>/bin */
const PG_BIN = process.env.PG_BIN ?? debianPgBin() ?? '/usr/lib/postgresql/15/bin';

function debianPgBin(): string | undefined {
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    return versions.map((v) => `/usr/lib/postgresql/${v}/bin`).find((bin) => existsSync(join(bin, 'initdb')));
  } catch {
    return undefined;
  }
}

/**
 * A PostgreSQL cluster of our own (initdb in a temp folder, own port, fsync off: nothing here must
 * survive the machine), so the chaos suite can restart it without touching the shared one.
 * Runs as the `postgres` user when we are root (postgres refuses to run as root).
 */
export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** pg_ctl restart -m fast: every connection is cut, the server is back when this resolves */
  restart(): Promise<void>;
  /** stops it at once and removes its folder; safe to call twice */
  stop(): void;
  /** the postmaster and its backends, for the CPU figures */
  pids(): number[];
}

function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'examhall-chaos-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  let stopped = false;
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const pgCtl = (...args: string[]) => {
    const [cmd, argv] = asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, ...args]);
    return run(cmd, argv, { timeout: 60_000 });
  };
  const options = [
    `-p ${port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${dir}`,
    '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off', '-c max_connections=200',
  ].join(' ');

  const stop = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stop);
    try {
      const [cmd, argv] = asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w']);
      execFileSync(cmd, argv, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      killPostmaster(data); // pg_ctl failed (never started, or half-started): by pid, ours only
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // a crash of the orchestrator must not leave a postmaster behind
  process.once('exit', stop);

  try {
    const [cmd, argv] = asPostgres(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C']);
    await run(cmd, argv, { timeout: 120_000 });
    await pgCtl('start', '-w', '-t', '60', '-l', join(dir, 'postgres.log'), '-o', options);
  } catch (err) {
    stop();
    throw new Error(`could not start our own PostgreSQL in ${dir}: ${(err as Error).message}`);
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: async () => {
      await pgCtl('restart', '-m', 'fast', '-w', '-t', '60', '-l', join(dir, 'postgres.log'), '-o', options);
    },
    stop,
    pids: () => {
      const pid = postmasterPid(data);
      if (pid === undefined) return [];
      let children: number[] = [];
      try {
        children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
      } catch {
        // gone meanwhile
      }
      return [pid, ...children];
    },
  };
}

function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function killPostmaster(data: string): void {
  const pid = postmasterPid(data);
  try {
    if (pid !== undefined) process.kill(pid, 'SIGQUIT');
  } catch {
    // not running
  }
}
