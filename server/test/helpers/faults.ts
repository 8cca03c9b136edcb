import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ANSWER_QUEUE } from '../../src/answers/queue.js';
import type { TestEnv } from './env.js';
import { tokenFor } from './node.js';
import { RecordingCandidate } from './candidates.js';
import { envFor, spawnRole } from './processes.js';

/** Helpers of the fault tests (backpressure-*.test.ts): real processes behind a TcpProxy. */

export function startRole(env: TestEnv, children: ChildProcess[], role: 'gateway' | 'worker', extra: Record<string, string>): ChildProcess {
  const child = spawnRole(role, envFor(env.config, extra));
  children.push(child);
  return child;
}

export async function scrape(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

/** The value of one sample line, e.g. `examhall_circuit_state{dependency="redis",role="answer-queue"}`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export const circuitSeries = (dependency: string, role: string) => `examhall_circuit_state{dependency="${dependency}",role="${role}"}`;
export const transitionsSeries = (dependency: string, role: string, to: string) =>
  `examhall_circuit_transitions_total{dependency="${dependency}",role="${role}",to="${to}"}`;

/** 0 closed, 1 half-open, 2 open (undefined before the process has scraped metrics) */
export async function circuitState(port: number, dependency: string, role: string): Promise<number | undefined> {
  return sample(await scrape(port), circuitSeries(dependency, role));
}

export async function startCandidates(env: TestEnv, port: number, ids: string[], intervalMs: number, resendAfterMs = 3000): Promise<RecordingCandidate[]> {
  const candidates = await Promise.all(
    ids.map(async (id) => new RecordingCandidate(`http://127.0.0.1:${port}`, await tokenFor(env.config, id, env.seeded.sittingId), resendAfterMs)),
  );
  await Promise.all(candidates.map((c) => c.start(intervalMs)));
  return candidates;
}

/** Every acknowledged answer is stored at (at least) its acknowledged seq; no version is stored twice. */
export async function verifyNothingLost(env: TestEnv, candidates: RecordingCandidate[]) {
  const rows = await env.sql.unsafe<{ attempt_id: string; question_id: string; seq: number }[]>(
    'SELECT attempt_id, question_id, seq FROM answers WHERE attempt_id = ANY($1::uuid[])',
    [candidates.map((c) => c.attemptId)],
  );
  const stored = new Map(rows.map((r) => [`${r.attempt_id}/${r.question_id}`, r.seq]));
  let acked = 0;
  const lost: string[] = [];
  for (const c of candidates) {
    for (const [questionId, seq] of c.acked) {
      acked++;
      const have = stored.get(`${c.attemptId}/${questionId}`) ?? 0;
      if (have < seq) lost.push(`${c.attemptId}/${questionId}: acked ${seq}, stored ${have}`);
    }
  }
  const [dup] = await env.sql.unsafe<{ n: number }[]>(
    'SELECT count(*)::int AS n FROM (SELECT 1 FROM answer_events GROUP BY attempt_id, question_id, seq HAVING count(*) > 1) d',
  );
  return { acked, lost, dup: dup!.n };
}

/** The answer queue's job counts, read straight from the shared Redis. */
export async function answerJobCounts(env: TestEnv): Promise<Record<string, number>> {
  const connection = new Redis(env.config.REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(ANSWER_QUEUE, { connection, prefix: env.config.REDIS_PREFIX });
  try {
    return await queue.getJobCounts('wait', 'active', 'delayed', 'failed', 'completed');
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
