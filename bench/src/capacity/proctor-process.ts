/**
 * The proctors of a capacity run, in their own process: an administrator's ProctorClient holds a
 * 40,000-row roster and applies every delta, which would stall the orchestrator's per-second
 * ticks if it ran there. Sends its commit → screen samples once a second.
 */
import { watchAsProctors } from '../answers/proctors.js';

export type ToProctors = { type: 'watch'; url: string; tokens: string[] } | { type: 'reset' } | { type: 'close' };
export type FromProctors =
  | { type: 'ready' }
  | { type: 'watching'; rows: number; readyMs: number }
  | { type: 'samples'; ms: Float64Array }
  | { type: 'closed' }
  | { type: 'error'; message: string };

let proctors: Awaited<ReturnType<typeof watchAsProctors>> | undefined;
const send = (m: FromProctors) => void process.send?.(m);

process.on('message', (m: ToProctors) => {
  void (async () => {
    if (m.type === 'watch') {
      const started = performance.now();
      proctors = await watchAsProctors(m.url, m.tokens);
      send({ type: 'watching', rows: proctors.rows(), readyMs: Math.round(performance.now() - started) });
      setInterval(() => send({ type: 'samples', ms: Float64Array.from(proctors!.samples()) }), 1000);
    } else if (m.type === 'reset') {
      proctors?.reset();
    } else {
      proctors?.close();
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
    }
  })().catch((err: unknown) => send({ type: 'error', message: (err as Error)?.stack ?? String(err) }));
});
process.on('disconnect', () => process.exit(2));
send({ type: 'ready' });
