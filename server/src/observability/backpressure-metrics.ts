import { Counter, Gauge } from 'prom-client';
import { registry } from './metrics.js';

/** Gauge values of `examhall_circuit_state`. */
export const CIRCUIT_STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
export type CircuitStateName = keyof typeof CIRCUIT_STATE_VALUE;

/**
 * One series per (dependency, role) breaker of this process (store/breakers.ts). Like every metric
 * here, one registry per process: two gateways started in one test process share the series.
 */
export const circuitMetrics = {
  state: new Gauge({
    name: 'examhall_circuit_state',
    help: 'Circuit breaker state per dependency and role: 0 closed, 1 half-open (probing), 2 open (calls refused at once)',
    labelNames: ['dependency', 'role'],
    registers: [registry],
  }),
  transitions: new Counter({
    name: 'examhall_circuit_transitions_total',
    help: 'Circuit breaker state changes, by the state entered',
    labelNames: ['dependency', 'role', 'to'],
    registers: [registry],
  }),
};

/** Batchers of this process whose buffered answers are read at scrape time. */
const pendingSources = new Set<() => number>();

/** Answers a gateway holds in memory (open batch plus batches waiting for Redis); bounded by BATCH_MAX_PENDING. */
export const pendingAnswers = new Gauge({
  name: 'examhall_answers_pending',
  help: 'Answers held by the gateway batcher (open batch plus those waiting for Redis); beyond BATCH_MAX_PENDING new ones get OVERLOADED',
  registers: [registry],
  collect() {
    let total = 0;
    for (const source of pendingSources) total += source();
    this.set(total);
  },
});

export function watchPendingAnswers(source: () => number): () => void {
  pendingSources.add(source);
  return () => pendingSources.delete(source);
}
