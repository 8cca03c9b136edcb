/**
 * Chaos suite orchestrator (issue #6): its own Redis and Postgres, a stack of gateways and workers,
 * N candidates answering through the real SDK, then one fault at a time; after each, what the
 * candidates lost and how long they took to come back. Human output goes to stderr; the last
 * stdout line is the JSON result.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../server/src/config/config.js';
import { candidateId } from '../../../server/src/exam/seed.js';
import { freshStackSettings, openBackend, prepareDatabase, startStack, waitUntil, type Backend, type RunningStack } from '../answers/stack.js';
import { argsOrExit, logChildrenTo } from '../common/bench-run.js';
import { closeChildLog, killAllChildren, pidsOf } from '../common/children.js';
import { CpuSampler } from '../common/cpu.js';
import { LoadFleet } from '../common/fleet.js';
import { USAGE, parseChaosArgs, type ChaosArgs } from './args.js';
import { zeroChaosCounters, type ChaosCounters, type FromChaosLoad, type ToChaosLoad } from './ipc.js';
import { startOwnPostgres, type OwnPostgres } from './own-postgres.js';
import { startOwnRedis, type OwnRedis } from './own-redis.js';
import { chaosResult, scenarioLine, scenarioResult, summaryLines, writeResult, type ScenarioResult } from './result.js';
import { scenario, workersRegistered, type ChaosContext, type ScenarioName } from './scenarios.js';
import { acceptedSeqs, checkStored } from './verify.js';

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = join(here, '../../results');
const LOAD_MODULE = join(here, 'load-process.ts');
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** how long a candidate's outbox may take to drain before a scenario's figures are taken */
const DRAIN_TIMEOUT_MS = 60_000;
/** from the burst to the fault: about a batch's way from the SDK to a worker on this box */
const BURST_LEAD_MS = 40;

type ChaosFleet = LoadFleet<FromChaosLoad, ToChaosLoad, ChaosCounters>;

let phase = 'setup';
let redis: OwnRedis | undefined;
let pg: OwnPostgres | undefined;
let backend: Backend | undefined;

async function run(args: ChaosArgs, stamp: string): Promise<number> {
  const startedAt = new Date();
  [redis, pg] = await Promise.all([startOwnRedis(), startOwnPostgres()]);
  log(`chaos: own redis-server at ${redis.url}, own PostgreSQL at ${pg.url} (the shared ones are never touched)`);
  const settings = freshStackSettings({ DATABASE_URL: pg.url, REDIS_URL: redis.url });
  backend = openBackend(settings);
  await prepareDatabase(backend, args.candidates, args.sitting);
  const b = backend;
  const tickets = await Promise.all(
    Array.from({ length: args.candidates }, async (_, i) => ({ candidateId: candidateId(i + 1), token: await b.tokens.issueCandidateToken({ candidateId: candidateId(i + 1), sittingId: args.sitting }) })),
  );
  const [stack, fleet] = await Promise.all([
    startStack(b, settings, args.gateways, args.workers),
    LoadFleet.start<FromChaosLoad, ToChaosLoad, ChaosCounters>(args.loadProcs, LOAD_MODULE, zeroChaosCounters),
  ]);
  const workerLockMs = loadConfig(stack.env).WORKER_LOCK_MS;
  log(`chaos: stack at ${stack.url}: ${args.gateways} gateways, ${args.workers} workers (WORKER_LOCK_MS ${workerLockMs}); ${args.loadProcs} load process(es)`);

  const cpu = new CpuSampler({
    stack: () => [...pidsOf('gateway'), ...pidsOf('worker'), ...pidsOf('load'), process.pid],
    services: () => [...(redis?.pids() ?? []), ...(pg?.pids() ?? [])],
  });
  cpu.mark();
  const progress = setInterval(() => {
    const c = fleet.totals();
    log(`  [${phase}] connected ${c.connected} joined ${c.joined} saved ${c.saved} acked ${c.acked} pending ${c.pending} disconnects ${c.disconnects}`);
  }, 5000);
  try {
    phase = 'join';
    const shares = Array.from({ length: args.loadProcs }, (_, p) => tickets.filter((_, i) => i % args.loadProcs === p));
    fleet.send((p) => ({ type: 'prepare', url: stack.url, candidates: shares[p]!, sourceIps: args.sourceIps, connectPerSec: 100 }));
    const prepared = await fleet.collect('prepared', 180_000);
    const joined = prepared.reduce((n, m) => n + m.counters.joined, 0);
    log(`chaos: ${joined}/${args.candidates} candidates joined; each saves an answer every ~${args.intervalMs} ms`);
    if (joined === 0) throw new Error('no candidate could join; see the log file');

    const ctx: ChaosContext = { stack, redis, pg, backend: b, workerLockMs, unreachableS: args.unreachableS, log };
    const attempts = new Set<string>();
    let dupBefore = 0;
    const results: ScenarioResult[] = [];
    for (const name of args.scenarios) {
      const r = await runScenario(name, ctx, fleet, args, attempts, dupBefore);
      dupBefore += r.dup;
      results.push(r);
      log(scenarioLine(r));
    }

    phase = 'final check';
    fleet.send({ type: 'totals' });
    const totals = await fleet.collect('totals', 30_000);
    const final = await checkStored(b.sql, acceptedSeqs(totals.map((t) => t.accepted)), [...attempts]);
    const otherCpuPct = cpu.sinceMark().other ?? null;

    phase = 'stop';
    clearInterval(progress);
    await fleet.close();
    await stack.stop();
    const result = chaosResult(args, results, { lostAtEnd: final.lost, notHighestAtEnd: final.notHighest, joined, workerLockMs, otherCpuPct, startedAt });
    for (const line of summaryLines(result)) log(line);
    log(`chaos: result written to ${writeResult(RESULTS_DIR, stamp, result)}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.ok ? 0 : 3;
  } finally {
    clearInterval(progress);
  }
}

async function runScenario(name: ScenarioName, ctx: ChaosContext, fleet: ChaosFleet, args: ChaosArgs, attempts: Set<string>, dupBefore: number): Promise<ScenarioResult> {
  const sc = scenario(name);
  phase = name;
  log(`chaos: ${name}: ${sc.fault}`);
  fleet.send({ type: 'scenario-start' });
  await fleet.collect('scenario-started', 30_000);
  fleet.send({ type: 'answer', intervalMs: args.intervalMs });
  await sleep(args.warmupS * 1000);

  // every candidate saves at once just before the fault, so it hits answers on their way (in a
  // gateway's batch, in the queue, in a worker's hands), not an idle system
  fleet.send({ type: 'burst' });
  await sleep(BURST_LEAD_MS);
  const faultStarted = Date.now();
  const faultEndedAt = await sc.inject(ctx);
  phase = `${name}: recovery`;
  fleet.send({ type: 'fault-ended', at: faultEndedAt, timeoutMs: args.recoveryTimeoutS * 1000 });
  // what the workers must get through (e.g. enqueues written to a hung Redis run when it wakes): the peak while recovering
  const backlog = watchBacklog(ctx.backend);
  const recovered = await fleet.collect('recovered', args.recoveryTimeoutS * 1000 + 30_000).finally(() => backlog.stop());

  phase = `${name}: drain`;
  fleet.send({ type: 'scenario-end', drainTimeoutMs: DRAIN_TIMEOUT_MS });
  const reports = await fleet.collect('scenario-result', DRAIN_TIMEOUT_MS + 30_000);
  await waitForEmptyQueue(ctx.backend);
  const accepted = acceptedSeqs(reports.map((r) => r.accepted));
  for (const attemptId of accepted.keys()) attempts.add(attemptId);
  const check = await checkStored(ctx.backend.sql, accepted, [...attempts]);

  phase = `${name}: heal`;
  await sc.heal(ctx);
  await settle(ctx);

  const clientErrors: Record<string, number> = {};
  for (const r of reports) for (const [code, n] of Object.entries(r.errors)) clientErrors[code] = (clientErrors[code] ?? 0) + n;
  return scenarioResult(
    {
      name, fault: sc.fault, lost: check.lost, dup: Math.max(0, check.dupTotal - dupBefore), not_highest: check.notHighest,
      unrecovered: recovered.reduce((n, r) => n + r.unrecovered, 0), client_errors: clientErrors,
      disconnects: reports.reduce((n, r) => n + r.disconnects, 0), fault_s: (faultEndedAt - faultStarted) / 1000,
      checked: check.checked, undrained: reports.reduce((n, r) => n + r.undrained, 0), queue_backlog: backlog.peak(),
    },
    recovered.flatMap((r) => r.resumeMs),
  );
}

/** The highest answer-queue backlog seen, once a second, until stop(); null when Redis never answered. */
function watchBacklog(b: Backend): { peak(): number | null; stop(): void } {
  let peak: number | null = null;
  let busy = false;
  const sample = () => {
    if (busy) return;
    busy = true;
    b.queueBacklog().then((n) => (peak = Math.max(peak ?? 0, n)), () => undefined).finally(() => (busy = false));
  };
  sample();
  const timer = setInterval(sample, 1000);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

/** "After the queue drains": nothing may still be on its way to Postgres when we count. */
async function waitForEmptyQueue(b: Backend): Promise<void> {
  let backlog: number | undefined;
  await waitUntil(async () => (backlog = await b.queueBacklog().catch(() => undefined)) === 0, 60_000, 'the answer queue to drain', 250).catch((err: Error) =>
    log(`chaos: ${err.message}; ${backlog ?? '?'} job(s) left`),
  );
}

/** The next scenario starts healthy: every gateway ready, every worker registered, nothing queued. */
async function settle(ctx: ChaosContext): Promise<void> {
  const stack: RunningStack = ctx.stack;
  await waitUntil(() => fetch(`${stack.url}/readyz`).then((r) => r.ok, () => false), 60_000, '/readyz 200');
  await workersRegistered(ctx);
  await waitForEmptyQueue(ctx.backend);
  await sleep(2000);
}

let aborting: Promise<never> | undefined;
function abort(reason: string): Promise<never> {
  aborting ??= doAbort(reason);
  return aborting;
}

async function doAbort(reason: string): Promise<never> {
  log(`chaos: ${reason} (in phase "${phase}"); stopping every process it started`);
  killAllChildren();
  cleanupServices();
  await closeChildLog();
  process.exit(1);
}

function cleanupServices(): void {
  redis?.stop();
  pg?.stop();
}

async function main(): Promise<void> {
  const args = argsOrExit('chaos', parseChaosArgs, USAGE);
  const { stamp } = logChildrenTo('chaos', RESULTS_DIR, 'chaos');
  const timer = setTimeout(() => void abort(`global timeout of ${args.timeoutS} s reached`), args.timeoutS * 1000);
  process.once('SIGINT', () => void abort('interrupted'));
  process.once('SIGTERM', () => void abort('terminated'));
  let code = 1;
  try {
    code = await run(args, stamp);
  } catch (err) {
    if (!aborting) log(`chaos: failed in phase "${phase}": ${(err as Error).stack ?? String(err)}`);
    await abort('giving up');
  }
  clearTimeout(timer);
  await backend?.close().catch(() => undefined);
  cleanupServices();
  await closeChildLog();
  process.exit(code);
}

void main();
