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
