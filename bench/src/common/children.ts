import { spawn, fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Every process the bench starts, in one registry, so that a timeout, Ctrl+C or a crash of the
 * orchestrator can stop exactly those (by pid) and nothing else.
 */
export interface Child {
  name: string;
  role: 'gateway' | 'worker' | 'load' | 'baseline' | 'proctors';
  proc: ChildProcess;
  exited: Promise<number | null>;
}

const children = new Set<Child>();
/** BENCH_CPU_PROF=<dir>: every child writes a V8 CPU profile there on exit (open in Chrome DevTools). */
const profileArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
let logFile: WriteStream | undefined;
/** Lines echoed to stderr per child before going quiet (all lines always go to the log file). */
const ECHO_LINES = 8;

export function setChildLog(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
  logFile = createWriteStream(path, { flags: 'a' });
}

export function closeChildLog(): Promise<void> {
  return new Promise((resolve) => (logFile ? logFile.end(resolve) : resolve()));
}

export function allChildren(): Child[] {
  return [...children];
}

export function pidsOf(role: Child['role']): number[] {
  return [...children].filter((c) => c.role === role && c.proc.pid !== undefined).map((c) => c.proc.pid!);
}

function track(name: string, role: Child['role'], proc: ChildProcess): Child {
  let echoed = 0;
  const pipe = (stream: NodeJS.ReadableStream | null) => {
    if (!stream) return;
    // Children's stdout never reaches ours: our last stdout line must be the JSON result.
    createInterface({ input: stream }).on('line', (line) => {
      logFile?.write(`[${name}] ${line}\n`);
      if (echoed++ < ECHO_LINES) process.stderr.write(`  [${name}] ${line.slice(0, 300)}\n`);
      else if (echoed === ECHO_LINES + 1) process.stderr.write(`  [${name}] (more output in the log file)\n`);
    });
  };
  pipe(proc.stdout);
  pipe(proc.stderr);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null))));
  const child: Child = { name, role, proc, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** A server role: `node --import tsx src/cli.ts <role>` in server/, with the given environment. */
export function spawnServerRole(name: string, role: 'gateway' | 'worker', serverDir: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, [...profileArgs, '--import', 'tsx', 'src/cli.ts', role], {
    cwd: serverDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(name, role, proc);
}

/** A TypeScript module of the bench as an IPC child; structured clone lets typed arrays cross cheaply. */
export function forkTs(name: string, role: 'load' | 'baseline' | 'proctors', modulePath: string, args: string[] = [], env?: NodeJS.ProcessEnv): Child {
  const proc = fork(modulePath, args, {
    execArgv: [...profileArgs, '--import', 'tsx'],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: env ?? process.env,
  });
  return track(name, role, proc);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child: Child, graceMs: number): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Last resort (timeout, second Ctrl+C): SIGKILL each child we started, by its pid. */
export function killAllChildren(): void {
  for (const child of children) {
    try {
      child.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
