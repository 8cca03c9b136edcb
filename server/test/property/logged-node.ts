import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Config } from '../../src/config/config.js';
import { envFor, exited, waitReady } from '../helpers/processes.js';

const cliPath = join(dirname(fileURLToPath(import.meta.url)), '../../src/cli.ts');

/** Log lines that mean the process met an error nobody handled (cli.ts logs them under these messages). */
const UNHANDLED = /unhandled rejection|uncaught exception/i;

export interface LoggedProcess {
  child: ChildProcess;
  port: number;
  /** every line the process wrote to stdout and stderr */
  lines: string[];
  /** lines that report an unhandled rejection, an uncaught exception or anything at level error or above */
  problems(): string[];
  alive(): boolean;
  stop(): Promise<void>;
}

function isProblem(line: string): boolean {
  if (UNHANDLED.test(line)) return true;
  try {
    const entry = JSON.parse(line) as { level?: number };
    return typeof entry.level === 'number' && entry.level >= 50; // pino: 50 error, 60 fatal
  } catch {
    return line.trim().length > 0; // anything not from the logger (a stack trace on stderr) is suspect
  }
}

/**
 * Fuzzing sends hundreds of frames a second from one socket to find what a frame's content does; the
 * per-socket rate limit would cut it first (and has its own tests in ../security/rate-limit.test.ts).
 */
export const FUZZ_RATE_LIMITS = { SOCKET_RATE_PER_S: '100000', SOCKET_BURST: '100000' } as const;

/**
 * `examhall <role>` as a real child process whose stdout and stderr are kept, so a test can assert
 * the process never logged an unhandled rejection or an error while it was fuzzed.
 */
export async function spawnLogged(
  config: Config,
  role: 'all' | 'gateway' | 'worker',
  extra: Record<string, string> = {},
  /** a module loaded before the CLI, with an IPC channel to the test (see error-probe.ts) */
  preload?: string,
): Promise<LoggedProcess> {
  // PORT=0 and the port read from the log: a port picked in advance may be taken meanwhile by
  // another test's gateway (SO_REUSEPORT would even let both listen on it)
  const env = envFor(config, { LOG_LEVEL: 'info', PORT: '0', ...extra });
  const args = ['--import', 'tsx', ...(preload ? ['--import', preload] : []), cliPath, role];
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', ...(preload ? ['ipc' as const] : [])] });
  const lines: string[] = [];
  let announcePort: (port: number) => void = () => undefined;
  const listening = new Promise<number>((resolve) => (announcePort = resolve));
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"gateway listening"')) announcePort((JSON.parse(line) as { port: number }).port);
    });
  }
  const handle: LoggedProcess = {
    child,
    port: 0,
    lines,
    problems: () => lines.filter(isProblem),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop: async () => {
      if (!handle.alive()) return;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
  if (role !== 'worker') {
    handle.port = await Promise.race([
      listening,
      exited(child).then((): never => {
        throw new Error(`examhall ${role} exited before it listened:\n${lines.join('\n')}`);
      }),
    ]);
    await waitReady(handle.port, 30_000);
  }
  return handle;
}
