import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { Config } from '../../src/config/config.js';
import { envFor, exited, freePort, waitReady } from '../helpers/processes.js';

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
 * `examhall <role>` as a real child process whose stdout and stderr are kept, so a test can assert
 * the process never logged an unhandled rejection or an error while it was fuzzed.
 */
export async function spawnLogged(config: Config, role: 'all' | 'gateway' | 'worker', extra: Record<string, string> = {}): Promise<LoggedProcess> {
  const port = role === 'worker' ? 0 : await freePort();
  const env = envFor(config, { LOG_LEVEL: 'warn', ...(role === 'worker' ? {} : { PORT: String(port) }), ...extra });
  const child = spawn(process.execPath, ['--import', 'tsx', cliPath, role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const handle: LoggedProcess = {
    child,
    port,
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
    await Promise.race([
      waitReady(port, 30_000),
      exited(child).then(() => {
        throw new Error(`examhall ${role} exited before it was ready:\n${lines.join('\n')}`);
      }),
    ]);
  }
  return handle;
}
