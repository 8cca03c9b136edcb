/**
 * Synchronized-start benchmark orchestrator. Starts its own stack with a 'signal' sitting, ramps N
 * candidates into the lobby from P load processes (real SDK), gives ONE start signal in-process
 * (startSitting) at T0 and measures, per candidate, how long after T0 its paper arrived.
 * Human output goes to stderr; the last stdout line is the JSON result.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { candidateId, seedDemo } from '../../../server/src/exam/seed.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { createAttemptServices, type AttemptServices } from '../../../server/src/attempts/services.js';
import { startSitting } from '../../../server/src/attempts/start-signal.js';
import { argsOrExit, logChildrenTo } from '../common/bench-run.js';
import { closeChildLog, killAllChildren } from '../common/children.js';
import { CpuSampler, stackCpuGroups } from '../common/cpu.js';
import { dropStackData, freshStackSettings, openBackend, startStack, type Backend, type RunningStack } from '../answers/stack.js';
import { USAGE, parseStartArgs, type StartArgs } from './args.js';
import { startStartFleet, type StartFleet } from './fleet.js';
import { fanoutFromLog } from './gateway-log.js';
import { addCounters, zeroStartCounters, type LoadResult } from './ipc.js';
import { summarize } from './outcome.js';
import { printSummary, progressLine, writeResult } from './report.js';
import { sleep } from './lobby-candidate.js';

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../results');
const log = (line: string) => process.stderr.write(`${line}\n`);

let phase = 'setup';
let backend: Backend | undefined;
let keepData = false;

const nonZero = (cpu: Record<string, number>) => Object.fromEntries(Object.entries(cpu).filter(([k, v]) => v > 0 || k === 'gateway'));

async function run(args: StartArgs, stamp: string, logPath: string): Promise<number> {
  const started = Date.now();
  keepData = args.keep;
  const settings = freshStackSettings(process.env);
  backend = openBackend(settings);
  const b = backend;
  log(`bench:start: own stack, schema ${settings.schema}, redis prefix ${settings.prefix}`);
  if (args.loadProcs !== args.loadProcsRequested) {
    log(`bench:start: ${args.loadProcs} load processes instead of ${args.loadProcsRequested}: at most ~9,000 sockets per process`);
  }

  await migrate(b.sql, b.config.DATABASE_SCHEMA);
  const seeded = await seedDemo(b.sql, { candidates: args.candidates, sittingId: args.sitting, startMode: 'signal' });
  const durationMs = Math.round(seeded.durationMinutes * 60) * 1000;
  const ids = Array.from({ length: args.candidates }, (_, i) => candidateId(i + 1));
  const tickets = await Promise.all(ids.map(async (id) => ({ candidateId: id, token: await b.tokens.issueCandidateToken({ candidateId: id, sittingId: args.sitting }) })));
  log(`bench:start: seeded sitting ${args.sitting} (start mode signal) with ${tickets.length} candidates; starting the stack and ${args.loadProcs} load processes`);

  let stack: RunningStack | undefined;
  let fleet: StartFleet | undefined;
  let services: AttemptServices | undefined;
  const progressCpu = new CpuSampler(stackCpuGroups());
  progressCpu.mark();
  const progress = setInterval(() => {
    if (!fleet) return;
    const cpu = nonZero(progressCpu.sinceMark());
    progressCpu.mark();
    process.stderr.write(progressLine((Date.now() - started) / 1000, phase, fleet.totals(), cpu, fleet.takeHealth()));
  }, 1000);

  try {
    phase = 'stack';
    [stack, fleet] = await Promise.all([startStack(b, settings, args.gateways, args.workers), startStartFleet(args.loadProcs)]);
    log(`bench:start: stack ready at ${stack.url} (${args.gateways} gateway(s), ${args.workers} worker(s))`);
    // The signal is given from here, as the CLI's `start` does: its Redis connections and the SQL
    // pool are opened now, so the signal does not pay for connecting.
    const logger = pino({ level: 'warn', base: { role: 'bench-start' } }, pino.destination(2));
    services = createAttemptServices(b.config, b.sql, logger);
    await b.sql`SELECT 1`;

    // ── ramp: everyone into the lobby ──
    phase = 'ramp';
    const rampCpu = new CpuSampler(stackCpuGroups());
    rampCpu.mark();
    const rampStarted = Date.now();
    const shares = Array.from({ length: args.loadProcs }, (_, p) => tickets.filter((_, i) => i % args.loadProcs === p));
    fleet.send((p) => ({ type: 'prepare', url: stack!.url, candidates: shares[p]!, sourceIps: args.sourceIps, connectPerSec: args.rampPerProc }));
    const expectedRampS = Math.ceil(args.candidates / args.loadProcs / args.rampPerProc);
    const lobbies = await fleet.collectSome('lobby', (expectedRampS + args.lobbyTimeoutS) * 1000);
    const rampS = (Date.now() - rampStarted) / 1000;
    const cpuRamp = nonZero(rampCpu.sinceMark());
    const atSignal = fleet.totals();
    const missing = lobbies.filter((l) => l === undefined).length;
    log(
      `bench:start: ${atSignal.lobby}/${args.candidates} candidates in the lobby after ${rampS.toFixed(1)} s` +
        (missing ? ` (${missing} load process(es) still ramping: giving the signal anyway)` : '') +
        (atSignal.connectErrors + atSignal.joinErrors + atSignal.wrongStatus > 0
          ? `; connect errors ${atSignal.connectErrors}, join errors ${atSignal.joinErrors}, wrong status ${atSignal.wrongStatus}`
          : ''),
    );
    if (atSignal.lobby === 0) throw new Error('no candidate reached the lobby; see the errors above and the log file');

    phase = 'settle';
    await sleep(args.settleS * 1000);

    // ── the one start signal ──
    phase = 'signal';
    const signalCpu = new CpuSampler(stackCpuGroups());
    signalCpu.mark();
    const t0 = Date.now();
    const signal = await startSitting({ sql: b.sql, scheduler: services.scheduler, notifier: services.notifier }, args.sitting, 'bench:start');
    const signalMs = Date.now() - t0;
    log(`bench:start: start signal given: startSitting() took ${signalMs} ms, ${signal.attempts} attempts started`);
    phase = 'papers';
    fleet.send({ type: 'collect', t0, waitUntil: t0 + args.paperTimeoutS * 1000, startedAt: signal.startedAt, durationMs });
    const collected = await fleet.collectSome('result', (args.paperTimeoutS + 60) * 1000);
    const cpuSignal = nonZero(signalCpu.sinceMark());
    const results: LoadResult[] = collected.filter((r) => r !== undefined);
    if (results.length < collected.length) log(`bench:start: ${collected.length - results.length} load process(es) did not report: their candidates count as failures`);

    phase = 'check';
    const dbRows = await b.sql<Array<{ status: string; n: number }>>`
      SELECT status, count(*)::int AS n FROM attempts WHERE sitting_id = ${args.sitting} GROUP BY status ORDER BY status`;
    const dbStatus = Object.fromEntries(dbRows.map((r) => [r.status, r.n]));

    phase = 'stop';
    clearInterval(progress);
    await fleet.close();
    await services.close();
    services = undefined;
    await stack.stop();
    const fanout = fanoutFromLog(await readFile(logPath, 'utf8').catch(() => ''), args.sitting, t0);
    if (!keepData) await dropStackData(b);
    await b.close();
    backend = undefined;

    const summary = summarize(args.candidates, t0, results);
    const counters = zeroStartCounters();
    for (const r of results) addCounters(counters, r.counters);
    const errorSamples = [...new Set(results.flatMap((r) => r.errorSamples))].slice(0, 20);
    const result = {
      candidates: summary.candidates,
      started: summary.started,
      failures: summary.failures,
      paper_p50_ms: summary.paper_p50_ms,
      paper_p99_ms: summary.paper_p99_ms,
      paper_max_ms: summary.paper_max_ms,
      paper_p90_ms: summary.paper_p90_ms,
      paper_min_ms: summary.paper_min_ms,
      frame_p50_ms: summary.frame_p50_ms,
      frame_p99_ms: summary.frame_p99_ms,
      frame_max_ms: summary.frame_max_ms,
      failures_by_reason: summary.failures_by_reason,
      joined_lobby: counters.lobby,
      connect_errors: counters.connectErrors,
      join_errors: counters.joinErrors,
      wrong_status: counters.wrongStatus,
      disconnects: counters.disconnects,
      signal_ms: signalMs,
      signal_attempts: signal.attempts,
      gateway_fanout: fanout,
      remaining_min_ms: summary.remaining_min_ms,
      remaining_max_ms: summary.remaining_max_ms,
      db_status: dbStatus,
      load_loop_delay_max_ms: Math.max(0, ...results.map((r) => r.loopDelayMaxMs)),
      ramp_s: Math.round(rampS * 10) / 10,
      ramp_per_proc: args.rampPerProc,
      settle_s: args.settleS,
      gateways: args.gateways,
      workers: args.workers,
      load_procs: args.loadProcs,
      source_ips: args.sourceIps.length,
      cpu_pct_signal: cpuSignal,
      cpu_pct_ramp: cpuRamp,
      error_samples: errorSamples,
      t0: new Date(t0).toISOString(),
      duration_s: Math.round((Date.now() - started) / 100) / 10,
      started_at: new Date(started).toISOString(),
    };
    printSummary(result);
    log(`bench:start: result written to ${writeResult(RESULTS_DIR, stamp, result)}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return summary.failures > 0 ? 3 : 0;
  } finally {
    clearInterval(progress);
    await services?.close().catch(() => undefined);
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
  log(`bench:start: ${reason}; stopping every process it started`);
  killAllChildren();
  if (backend && !keepData) {
    await Promise.race([dropStackData(backend).catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  }
  await closeChildLog();
  process.exit(1);
}

async function main(): Promise<void> {
  const args = argsOrExit('bench:start', parseStartArgs, USAGE);
  const { stamp, logPath } = logChildrenTo('bench:start', RESULTS_DIR, 'start');
  const timer = setTimeout(() => void abort(`global timeout of ${args.timeoutS} s reached in phase "${phase}"`), args.timeoutS * 1000);
  process.once('SIGINT', () => void abort('interrupted'));
  process.once('SIGTERM', () => void abort('terminated'));
  let code = 1;
  try {
    code = await run(args, stamp, logPath);
  } catch (err) {
    if (!aborting) log(`bench:start: failed in phase "${phase}": ${(err as Error).stack ?? String(err)}`);
    await abort('giving up');
  }
  clearTimeout(timer);
  await closeChildLog();
  process.exit(code);
}

void main();
