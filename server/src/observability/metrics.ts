import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * This process's Prometheus metrics, served at /metrics (gateways on their port; workers on
 * METRICS_PORT). One registry per process: several nodes started in one test process share it.
 * Default Node metrics include event-loop lag (`examhall_nodejs_eventloop_lag_seconds`).
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'examhall_' });

/** Socket counts by namespace, read at scrape time from each gateway in this process. */
const connectionSources = new Set<() => Record<string, number>>();

export const metrics = {
  connections: new Gauge({
    name: 'examhall_connections',
    help: 'Open Socket.IO connections on this gateway, by namespace',
    labelNames: ['namespace'],
    registers: [registry],
    collect() {
      const totals: Record<string, number> = {};
      for (const source of connectionSources) for (const [ns, n] of Object.entries(source())) totals[ns] = (totals[ns] ?? 0) + n;
      for (const [namespace, n] of Object.entries(totals)) this.set({ namespace }, n);
    },
  }),
  joins: new Counter({ name: 'examhall_joins_total', help: 'exam:join requests, by outcome (ok or the error code)', labelNames: ['outcome'], registers: [registry] }),
  answersQueued: new Counter({ name: 'examhall_answers_queued_total', help: 'Answers accepted into the queue (acked "queued")', registers: [registry] }),
  submitsRefused: new Counter({ name: 'examhall_submits_refused_overloaded_total', help: 'exam:submit refused with OVERLOADED: SUBMITS_IN_FLIGHT_MAX were being finalised', registers: [registry] }),
  answersRefused: new Counter({ name: 'examhall_answers_refused_total', help: 'answer:save refused, by error code', labelNames: ['code'], registers: [registry] }),
  ackSeconds: new Histogram({
    name: 'examhall_answer_ack_seconds',
    help: 'answer:save received → acked "queued" (batching plus the Redis write)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
  batchAnswers: new Histogram({
    name: 'examhall_batch_answers',
    help: 'Answers per batch: enqueued by a gateway, or flushed by a worker',
    labelNames: ['stage'],
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  }),
  answersCommitted: new Counter({ name: 'examhall_answers_committed_total', help: 'Answer versions written to Postgres by this worker', registers: [registry] }),
  flushSeconds: new Histogram({
    name: 'examhall_flush_seconds',
    help: 'One batch: the flush statement (and rescore) in Postgres',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  }),
  queriesInFlight: new Gauge({ name: 'examhall_pg_queries_in_flight', help: 'Statements running or waiting for a pooled Postgres connection', registers: [registry] }),
  poolMax: new Gauge({ name: 'examhall_pg_pool_max', help: 'Postgres connections this process may open (PG_POOL_MAX)', registers: [registry] }),
  proctorDeltas: new Counter({ name: 'examhall_proctor_deltas_total', help: 'proctor:delta batches sent (one per center per interval)', registers: [registry] }),
};

/** BullMQ queues whose depth is read at scrape time. */
const queues = new Set<Pick<Queue, 'getJobCounts'>>();
const queueDepth = new Gauge({
  name: 'examhall_queue_jobs',
  help: 'Answer-queue jobs by state (read from Redis at scrape time)',
  labelNames: ['state'],
  registers: [registry],
  async collect() {
    const totals: Record<string, number> = {};
    for (const queue of queues) {
      // a hung Redis must not hang the scrape (or the Prometheus target goes down with it)
      const unreadable = new Promise<Record<string, number>>((resolve) => setTimeout(() => resolve({}), 500).unref());
      const counts = await Promise.race([queue.getJobCounts('wait', 'active', 'delayed', 'failed'), unreadable]).catch(() => ({}) as Record<string, number>);
      for (const [state, n] of Object.entries(counts)) totals[state] = (totals[state] ?? 0) + n;
    }
    for (const [state, n] of Object.entries(totals)) this.set({ state }, n);
  },
});
void queueDepth;

export function watchConnections(source: () => Record<string, number>): () => void {
  connectionSources.add(source);
  return () => connectionSources.delete(source);
}

export function watchQueueDepth(queue: Pick<Queue, 'getJobCounts'>): () => void {
  queues.add(queue);
  return () => queues.delete(queue);
}

export async function metricsText(): Promise<string> {
  return registry.metrics();
}
export const METRICS_CONTENT_TYPE = registry.contentType;
