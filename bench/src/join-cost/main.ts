/**
 * join-cost: what one candidate join costs the server, in CPU per process and gateway memory.
 * One gateway and one worker on a fresh schema and Redis prefix; N plain socket.io-client sockets
 * connect (websocket, auth token) at a fixed rate, each sends `exam:join` and a few `time:sync`s.
 * CPU is utime + stime from /proc over the join phase, so it holds up on a busy box where wall
 * time does not. The last stdout line is the JSON result; BENCH_CPU_PROF=<dir> profiles the gateway.
 *
 *   npm run bench:join-cost -- [--candidates 3000] [--rate 300] [--syncs 1] [--settle-ms 1500] [--hold-ms 0]
 */
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { EVENTS, NAMESPACES, PROTOCOL_VERSION } from '@examhall/shared';
import { candidateId } from '../../../server/src/exam/seed.js';
import { killAllChildren, pidsOf } from '../common/children.js';
import { pidsByName } from '../common/cpu.js';
import { dropStackData, freshStackSettings, openBackend, prepareDatabase, startStack, type Backend, type RunningStack } from '../answers/stack.js';
import { rssKb as readRssKb } from '../common/proc-stats.js';
import { cpuDelta, cpuSnapshot, localPortsOf } from './proc.js';

const rssKb = (pid: number) => readRssKb(pid) ?? 0;

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SITTING = 'join-cost';

const { values } = parseArgs({
  options: {
    candidates: { type: 'string', default: '3000' },
    rate: { type: 'string', default: '300' },
    syncs: { type: 'string', default: '1' },
    'settle-ms': { type: 'string', default: '1500' },
    /** keep the sockets open this long after measuring (e.g. to signal the gateway for a heap snapshot) */
    'hold-ms': { type: 'string', default: '0' },
  },
});
const N = Number(values.candidates);
const RATE = Number(values.rate);
const SYNCS = Number(values.syncs);
const SETTLE_MS = Number(values['settle-ms']);
const HOLD_MS = Number(values['hold-ms']);

let backend: Backend | undefined;
let stack: RunningStack | undefined;
const sockets: Socket[] = [];

interface Outcome {
  joined: number;
  errors: Map<string, number>;
}

/** One candidate: connect, join, then the clock-sync samples; resolves when its last ack came back. */
function candidate(url: string, token: string, outcome: Outcome): Promise<void> {
  return new Promise((resolve) => {
    const fail = (why: string) => {
      outcome.errors.set(why, (outcome.errors.get(why) ?? 0) + 1);
      resolve();
    };
    const socket = io(`${url}${NAMESPACES.candidate}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 60_000 });
    sockets.push(socket);
    socket.once('connect_error', (err) => fail(`connect_error: ${err.message}`));
    socket.once('connect', async () => {
      try {
        const reply = await socket.timeout(60_000).emitWithAck(EVENTS.join, { protocolVersion: PROTOCOL_VERSION });
        if (!reply.ok) return fail(`join: ${reply.error?.code}`);
        outcome.joined++;
        for (let i = 0; i < SYNCS; i++) await socket.timeout(60_000).emitWithAck(EVENTS.timeSync, { clientSentAt: Date.now() });
        resolve();
      } catch (err) {
        fail(`ack: ${(err as Error).message}`);
      }
    });
  });
}

/** Postgres backends serving the gateway and the worker (the lead's benchmarks may share the server). */
async function ourBackends(b: Backend, pids: number[]): Promise<number[]> {
  const ports = new Set(pids.flatMap((pid) => [...localPortsOf(pid)]));
  const rows = await b.sql.unsafe<{ pid: number; client_port: number }[]>(`SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL`);
  return rows.filter((r) => ports.has(r.client_port)).map((r) => r.pid);
}

async function run(): Promise<Record<string, unknown>> {
  const settings = freshStackSettings(process.env);
  backend = openBackend(settings);
  const b = backend;
  log(`join-cost: ${N} candidates at ${RATE}/s, ${SYNCS} time:sync each; schema ${settings.schema}, prefix ${settings.prefix}`);
  await prepareDatabase(b, N, SITTING); // the demo seed: on_join clocks of 90 minutes, window open since 5 minutes ago
  const tokens = await Promise.all(Array.from({ length: N }, (_, i) => b.tokens.issueCandidateToken({ candidateId: candidateId(i + 1), sittingId: SITTING })));
  stack = await startStack(b, settings, 1, 1);
  const gateway = pidsOf('gateway')[0]!;
  const worker = pidsOf('worker')[0]!;
  await sleep(3000); // let start-up settle before the baseline
  const rssBefore = rssKb(gateway);

  const pgBefore = cpuSnapshot(pidsByName('postgres'));
  const redisBefore = cpuSnapshot(pidsByName('redis-server'));
  const ownBefore = cpuSnapshot([gateway, worker, process.pid]);
  const outcome: Outcome = { joined: 0, errors: new Map() };
  const started = performance.now();
  const done: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    // fixed rate: candidate i starts at i / RATE seconds
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    done.push(candidate(stack.url, tokens[i]!, outcome));
  }
  await Promise.all(done);
  const joinS = (performance.now() - started) / 1000;
  await sleep(SETTLE_MS); // presence and feed flushes, deadline jobs
  const pgOurs = await ourBackends(b, [gateway, worker]);
  const ms = {
    gateway: cpuDelta(ownBefore, [gateway]),
    worker: cpuDelta(ownBefore, [worker]),
    bench: cpuDelta(ownBefore, [process.pid]),
    postgres: cpuDelta(pgBefore, pidsByName('postgres')),
    postgresOurs: cpuDelta(pgBefore, pgOurs),
    redis: cpuDelta(redisBefore, pidsByName('redis-server')),
  };
  const rssAfter = rssKb(gateway);
  const joins = Math.max(1, outcome.joined);
  const per = (v: number) => Math.round((v / joins) * 1000) / 1000;
  if (outcome.errors.size) log(`join-cost: errors ${JSON.stringify(Object.fromEntries(outcome.errors))}`);
  if (HOLD_MS > 0) {
    log(`join-cost: holding the sockets ${HOLD_MS} ms; gateway pid ${gateway}`);
    await sleep(HOLD_MS);
  }
  log(`join-cost: ${outcome.joined}/${N} joined in ${joinS.toFixed(1)} s; CPU ms ${JSON.stringify(ms)}`);
  return {
    joins: outcome.joined,
    errors: [...outcome.errors.values()].reduce((a, n) => a + n, 0),
    join_phase_s: Math.round(joinS * 10) / 10,
    gateway_cpu_ms_per_join: per(ms.gateway),
    worker_cpu_ms_per_join: per(ms.worker),
    postgres_cpu_ms_per_join: per(ms.postgres),
    postgres_ours_cpu_ms_per_join: per(ms.postgresOurs),
    redis_cpu_ms_per_join: per(ms.redis),
    bench_cpu_ms_per_join: per(ms.bench),
    gateway_rss_kb_before: rssBefore,
    gateway_rss_kb_after: rssAfter,
    rss_kb_per_connection: Math.round(((rssAfter - rssBefore) / joins) * 10) / 10,
  };
}

async function cleanUp(): Promise<void> {
  for (const s of sockets) s.disconnect();
  await stack?.stop().catch((err: Error) => log(`join-cost: stopping the stack failed: ${err.message}`));
  if (backend) {
    await dropStackData(backend).catch((err: Error) => log(`join-cost: cleanup failed: ${err.message}`));
    await backend.close();
  }
}

process.once('SIGINT', () => {
  killAllChildren();
  process.exit(130);
});

try {
  const result = await run();
  await cleanUp();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} catch (err) {
  log(`join-cost: ${(err as Error).stack ?? err}`);
  await cleanUp();
  killAllChildren();
  process.exit(1);
}
