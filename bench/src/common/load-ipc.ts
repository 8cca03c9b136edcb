/**
 * The load-process side of the orchestrator link: handle each message, report a failure as an
 * `error` message, exit when the orchestrator goes away, and say `ready`.
 */
export function serveOrchestrator<To, From>(handle: (message: To) => Promise<void>): (message: From | { type: 'error'; message: string } | { type: 'ready' }) => void {
  const send = (message: From | { type: 'error'; message: string } | { type: 'ready' }) => void process.send?.(message);
  process.on('message', (message: To) => {
    handle(message).catch((err: unknown) => send({ type: 'error', message: (err as Error)?.stack ?? String(err) }));
  });
  // The orchestrator went away (crash, kill): nothing here is worth keeping alive.
  process.on('disconnect', () => process.exit(2));
  // a normal exit, so that --cpu-prof (BENCH_CPU_PROF) still writes the profile when the orchestrator stops us
  process.on('SIGTERM', () => process.exit(0));
  setImmediate(() => send({ type: 'ready' }));
  return send;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts `count` tasks at `perSec`, at most `maxInFlight` unfinished at once, so a ramp never
 * becomes a storm. (A counter and one waiter: Promise.race over the running set would attach a
 * reaction to every running task per start, quadratic work at 8,000 sockets a process.)
 */
export async function ramp(count: number, perSec: number, maxInFlight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  const started = Date.now();
  let running = 0;
  let slotFreed: (() => void) | undefined;
  let allDone: (() => void) | undefined;
  let failure: { error: unknown } | undefined;
  const failed = (error: unknown) => {
    failure ??= { error };
    finished();
  };
  const finished = () => {
    running--;
    slotFreed?.();
    if (running === 0) allDone?.();
  };
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSec;
    if (due > Date.now()) await sleep(due - Date.now());
    while (running >= maxInFlight) await new Promise<void>((r) => (slotFreed = r));
    slotFreed = undefined;
    running++;
    task(i).then(finished, failed);
  }
  if (running > 0) await new Promise<void>((r) => (allDone = r));
  if (failure) throw failure.error;
}
