/**
 * Answer-path benchmark orchestrator. Sets up (or attaches to) a stack, measures a bare Socket.IO
 * echo baseline, ramps N candidates up in P load processes, lets them answer for S seconds, waits
 * for the queue to drain, checks Postgres for lost or duplicated answers, and reports.
 * Human output goes to stderr; the last stdout line is the JSON result.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { candidateId } from '../../../server/src/exam/seed.js';
import { loadConfig } from '../../../server/src/config/config.js';
import { USAGE, parseBenchArgs, type BenchArgs } from './args.js';
import { argsOrExit, logChildrenTo } from '../common/bench-run.js';
import { closeChildLog, killAllChildren } from '../common/children.js';
import { CpuSampler, stackCpuGroups } from '../common/cpu.js';
import { startAnswersFleet, type AnswersFleet } from './fleet.js';
import { zeroCounters, type Counters } from './ipc.js';
import { startBaselineServer } from './baseline.js';
import { buildResult, printSummary, progressLine, writeResult } from './report.js';
import {
  dropStackData, freshStackSettings, openBackend, prepareDatabase, startStack, waitUntil,
  type Backend, type RunningStack, type StackSettings,
} from './stack.js';
import { Samples } from './stats.js';
import { startProctors } from './proctors.js';
import { mergeAcked, verifyStored, type AckedSeqs } from './verify.js';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../results');
const log = (line: string) => process.stderr.write(`${line}\n`);

let phase = 'setup';
let backend: Backend | undefined;
let ownStack = false;
let keepData = false;

/** The stack a --url run attaches to, described by the same environment variables the server reads. */
function settingsFromEnv(): StackSettings {
  const c = loadConfig(process.env);
  return { databaseUrl: c.DATABASE_URL, redisUrl: c.REDIS_URL, schema: c.DATABASE_SCHEMA, prefix: c.REDIS_PREFIX, tokenSecret: c.TOKEN_SECRET };
}

async function run(args: BenchArgs, stamp: string): Promise<number> {
  const started = Date.now();
  ownStack = args.url === undefined;
  keepData = args.keep;
  const settings = ownStack ? freshStackSettings(process.env) : settingsFromEnv();
  backend = openBackend(settings);
  log(`bench: ${ownStack ? `own stack, schema ${settings.schema}, redis prefix ${settings.prefix}` : `stack at ${args.url}, schema ${settings.schema}`}`);

  await prepareDatabase(backend, args.candidates, args.sitting);
  const ids = Array.from({ length: args.candidates }, (_, i) => candidateId(i + 1));
  const tickets = await Promise.all(ids.map(async (id) => ({ candidateId: id, token: await backend!.tokens.issueCandidateToken({ candidateId: id, sittingId: args.sitting }) })));
  log(`bench: seeded and issued ${tickets.length} tokens; starting ${args.loadProcs} load processes`);
  const fleet = await startAnswersFleet(args.loadProcs);

  // progress every second, to stderr
  const progressCpu = new CpuSampler(stackCpuGroups(['baseline']));
  progressCpu.mark();
  let before: Counters = zeroCounters();
  const progress = setInterval(() => {
    const now = fleet.totals();
    const cpu = Object.fromEntries(Object.entries(progressCpu.sinceMark()).filter(([k, v]) => v > 0 || k === 'gateway'));
    progressCpu.mark();
    if (phase !== 'baseline') process.stderr.write(progressLine((Date.now() - started) / 1000, phase, now, before, cpu, fleet.takeHealth()));
    before = now;
  }, 1000);

  try {
    const baseline = args.baselineSockets > 0 ? await runBaseline(fleet, args) : null;

    let stack: RunningStack | undefined;
    if (ownStack) {
      phase = 'stack';
      stack = await startStack(backend, settings, args.gateways, args.workers);
      log(`bench: stack ready at ${stack.url} (${args.gateways} gateway(s), ${args.workers} worker(s))`);
    }
    const url = stack?.url ?? args.url!;

    const proctors = args.proctors > 0 ? await startProctors({ url, count: args.proctors, sittingId: args.sitting, sql: backend.sql, tokens: backend.tokens }) : null;
    if (proctors) log(`bench: ${args.proctors} proctor(s) watching (${proctors.rows()} roster rows)`);

    phase = 'ramp';
    const shares = Array.from({ length: args.loadProcs }, (_, p) => tickets.filter((_, i) => i % args.loadProcs === p));
    fleet.send((p) => ({ type: 'prepare', url, candidates: shares[p]!, sourceIps: args.sourceIps, connectPerSec: args.rampPerProc, maxInFlight: args.maxInFlight }));
    const rampS = Math.ceil(args.candidates / args.loadProcs / args.rampPerProc);
    const prepared = await fleet.collect('prepared', (rampS + 120) * 1000);
    const joined = prepared.reduce((n, m) => n + m.counters.joined, 0);
    log(`bench: ${joined}/${args.candidates} candidates joined; answering for ${args.warmupS} s warm-up + ${args.seconds} s measured`);
    if (joined === 0) throw new Error('no candidate could join; see the errors above and the log file');

    // the window starts at the same instant in every load process
    const startAt = Date.now() + 500;
    const measureFrom = startAt + args.warmupS * 1000;
    const endAt = measureFrom + args.seconds * 1000;
    const intervalMs = args.rate > 0 ? (joined / args.rate) * 1000 : 0;
    fleet.send({ type: 'go', startAt, measureFrom, endAt, intervalMs, drainTimeoutMs: args.drainTimeoutS * 1000 });
    const windowCpu = new CpuSampler(stackCpuGroups(['baseline']));
    let cpuPct: Record<string, number> = {};
    setTimeout(() => (phase = 'warm-up'), startAt - Date.now());
    setTimeout(() => {
      phase = 'answer';
      windowCpu.mark();
      proctors?.reset();
    }, measureFrom - Date.now());
    const proctorMs = new Samples(1 << 16);
    const windowEnd = setTimeout(() => {
      phase = 'drain';
      if (proctors) proctorMs.merge(proctors.samples());
      cpuPct = Object.fromEntries(Object.entries(windowCpu.sinceMark()).filter(([, v]) => v > 0));
    }, endAt - Date.now());
    const results = await fleet.collect('result', (args.warmupS + args.seconds + args.drainTimeoutS + 120) * 1000);
    clearTimeout(windowEnd);
    if (phase === 'answer') cpuPct = windowCpu.sinceMark();
    proctors?.close();

    phase = 'verify';
    const counters = zeroCounters();
    const ackMs = new Samples(1 << 16);
    const commitMs = new Samples(1 << 16);
    const acked: AckedSeqs = new Map();
    const errorSamples = new Set<string>();
    for (const r of results) {
      for (const key of Object.keys(counters) as Array<keyof Counters>) counters[key] += r.counters[key];
      ackMs.merge(r.ackMs);
      commitMs.merge(r.commitMs);
      mergeAcked(acked, r.acked);
      for (const e of r.errorSamples) errorSamples.add(e);
    }
    // "after the queue drains": nothing may still be on its way to Postgres when we count
    let backlog: number | null = null;
    await waitUntil(async () => (backlog = await backend!.queueBacklog()) === 0, 30_000, 'the answer queue to drain', 250).catch((err: Error) =>
      log(`bench: ${err.message}; ${backlog} job(s) left`),
    );
    const verification = await verifyStored(backend.sql, acked);

    phase = 'stop';
    clearInterval(progress);
    await fleet.close();
    await stack?.stop();
    if (ownStack && !keepData) await dropStackData(backend);
    await backend.close();
    backend = undefined;

    const result = buildResult({
      args, mode: ownStack ? 'own-stack' : 'url', url, counters, ackMs, commitMs, proctorMs, verification, baselineRoundtripsPerS: baseline?.perS ?? null, baselineOtherCpuPct: baseline?.otherCpuPct ?? null,
      windowS: args.seconds, durationS: (Date.now() - started) / 1000, queueBacklogAtEnd: backlog, cpuPct,
      errorSamples: [...errorSamples], startedAt: new Date(started),
    });
    printSummary(result);
    log(`bench: result written to ${writeResult(RESULTS_DIR, stamp, result)}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return verification.lost > 0 || verification.dup > 0 ? 3 : 0;
  } finally {
    clearInterval(progress);
  }
}

/** Round trips per second of the bare echo, and how much CPU other work took meanwhile (noise). */
async function runBaseline(fleet: AnswersFleet, args: BenchArgs): Promise<{ perS: number; otherCpuPct: number }> {
  phase = 'baseline';
  const server = await startBaselineServer();
  const cpu = new CpuSampler(stackCpuGroups(['baseline']));
  try {
    const perProc = Math.ceil(args.baselineSockets / args.loadProcs);
    const connectPerSec = Math.max(args.rampPerProc, 500);
    const startAt = Date.now() + Math.ceil((perProc / connectPerSec) * 1000) + 1500;
    log(`bench: baseline: ${perProc * args.loadProcs} plain sockets echoing to a bare Socket.IO/uWS server for ${args.baselineSeconds} s`);
    fleet.send({ type: 'baseline', url: server.url, sockets: perProc, sourceIps: args.sourceIps, connectPerSec, startAt, seconds: args.baselineSeconds });
    setTimeout(() => cpu.mark(), startAt - Date.now());
    const results = await fleet.collect('baseline-result', (args.baselineSeconds + 120) * 1000);
    const roundtrips = results.reduce((n, r) => n + r.roundtrips, 0);
    const perS = roundtrips / args.baselineSeconds;
    const connected = results.reduce((n, r) => n + r.connected, 0);
    const otherCpuPct = cpu.sinceMark().other ?? 0;
    log(`bench: baseline: ${Math.round(perS)} round trips/s over ${connected} sockets (other work meanwhile: ${otherCpuPct}% CPU)`);
    return { perS, otherCpuPct };
  } finally {
    await server.stop();
  }
}

/** Timeout or Ctrl+C: kill our children, remove our schema and keys if we can, exit non-zero. */
let aborting: Promise<never> | undefined;
function abort(reason: string): Promise<never> {
  // the first reason wins: killing children makes the main flow fail too, which must not start over
  aborting ??= doAbort(reason);
  return aborting;
}

async function doAbort(reason: string): Promise<never> {
  log(`bench: ${reason}; stopping every process it started`);
  killAllChildren();
  if (backend && ownStack && !keepData) {
    await Promise.race([dropStackData(backend).catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  }
  await closeChildLog();
  process.exit(1);
}

async function main(): Promise<void> {
  const args = argsOrExit('bench', parseBenchArgs, USAGE);
  const { stamp } = logChildrenTo('bench', RESULTS_DIR, 'answers');
  const timer = setTimeout(() => void abort(`global timeout of ${args.timeoutS} s reached in phase "${phase}"`), args.timeoutS * 1000);
  process.once('SIGINT', () => void abort('interrupted'));
  process.once('SIGTERM', () => void abort('terminated'));
  let code = 1;
  try {
    code = await run(args, stamp);
  } catch (err) {
    if (!aborting) log(`bench: failed in phase "${phase}": ${(err as Error).stack ?? String(err)}`);
    await abort('giving up');
  }
  clearTimeout(timer);
  await closeChildLog();
  process.exit(code);
}

void main();
