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
  setImmediate(() => send({ type: 'ready' }));
  return send;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts `count` tasks at `perSec`, at most `maxInFlight` unfinished at once, so a ramp never becomes a storm. */
export async function ramp(count: number, perSec: number, maxInFlight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  const started = Date.now();
  const running = new Set<Promise<unknown>>();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSec;
    if (due > Date.now()) await sleep(due - Date.now());
    while (running.size >= maxInFlight) await Promise.race(running);
    const p = task(i).finally(() => running.delete(p));
    running.add(p);
  }
  await Promise.all(running);
}
