/**
 * Capacity benchmark orchestrator: the whole product on this box against N candidates.
 * Phases: stack → stampede (connect + auth + join) → hold (idle) → proctors → answer → submit
 * → verify. Human output on stderr; the last stdout line is the JSON result; an HTML report
 * with per-second plots is written next to it.
 */
import { readdirSync } from 'node:fs';
import { loadavg, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { candidateId, seedDemo } from '../../../server/src/exam/seed.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { argsOrExit, logChildrenTo } from '../common/bench-run.js';
import { closeChildLog, forkTs, killAllChildren, pidsOf, stopChild } from '../common/children.js';
import { CpuSampler, stackCpuGroups } from '../common/cpu.js';
import { LoadFleet } from '../common/fleet.js';
import { rssKb, sumKb } from '../common/proc-stats.js';
import { dropStackData, freshStackSettings, openBackend, startStack, waitUntil, type Backend, type RunningStack } from '../answers/stack.js';
import { sleep } from '../answers/candidate.js';
import { Samples } from '../answers/stats.js';
import { proctorTokens } from '../answers/proctors.js';
import { mergeAcked, verifyStored, type AckedSeqs } from '../answers/verify.js';
import { USAGE, parseCapacityArgs, type CapacityArgs } from './args.js';
import { zeroCounters, type Counters, type FromLoad, type ToLoad } from './ipc.js';
import { Timeline } from './timeline.js';
import { buildCapacityResult, capacityTargets, summaryLines } from './result.js';
import { writeCapacityReport } from './write-report.js';
import { analyzeSchema } from './analyze.js';
import type { FromProctors, ToProctors } from './proctor-process.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const LOAD_MODULE = join(HERE, 'load-process.ts');
const PROCTOR_MODULE = join(HERE, 'proctor-process.ts');
const log = (line: string) => process.stderr.write(`${line}\n`);
type Fleet = LoadFleet<FromLoad, ToLoad, Counters>;

let phase = 'setup';
let backend: Backend | undefined;
let keepData = false;

async function run(args: CapacityArgs, stamp: string, reportDir: string): Promise<number> {
  const started = Date.now();
  const loadAvgBefore = loadavg().map((v) => Math.round(v * 100) / 100);
  keepData = args.keep;
  const settings = freshStackSettings(process.env);
  backend = openBackend(settings);
  const b = backend;
  log(`capacity: ${args.candidates} candidates; schema ${settings.schema}, redis prefix ${settings.prefix}; load average before ${loadAvgBefore.join(' ')}`);
  await migrate(b.sql, b.config.DATABASE_SCHEMA);
  // the attempt must outlast the whole run: its duration is not what is measured here
  await seedDemo(b.sql, { candidates: args.candidates, sittingId: args.sitting, durationMinutes: 24 * 60, opensInMinutes: -5 });
  const tickets = await Promise.all(
    Array.from({ length: args.candidates }, async (_, i) => ({ candidateId: candidateId(i + 1), token: await b.tokens.issueCandidateToken({ candidateId: candidateId(i + 1), sittingId: args.sitting }) })),
  );

  phase = 'stack';
  const stack: RunningStack = await startStack(b, settings, args.gateways, args.workers);
  log(`capacity: stack ready at ${stack.url}: ${args.gateways} gateways on one port, ${args.workers} workers; ${args.loadProcs} load processes, sources ${args.sourceIps[0]}…${args.sourceIps.at(-1)}`);
  // 8,000+ SDK clients per process: give V8 room instead of letting GC pauses pose as latency
  const fleet: Fleet = await LoadFleet.start<FromLoad, ToLoad, Counters>(args.loadProcs, LOAD_MODULE, zeroCounters, { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=8192`.trim() });
  const proctorChild = forkTs('proctors', 'proctors', PROCTOR_MODULE);
  await nextMessage(proctorChild.proc, 'ready', 60_000);
  const timeline = new Timeline(() => b.queueBacklog());
  const errorsSeen = new Set<string>();
  fleet.members.forEach((m) =>
    m.proc.on('message', (msg: FromLoad) => {
      if (msg.type !== 'progress') return;
      timeline.addLoadSamples(msg.ackMs, msg.commitMs);
      // a new kind of error is worth a line as it happens, not only in the summary
      for (const e of msg.errorSamples) if (!errorsSeen.has(e)) log(`capacity: ${m.name} saw a new error: ${errorsSeen.add(e) && e}`);
    }),
  );
  timeline.trackProcesses();
  const roles = () => new CpuSampler(stackCpuGroups(['proctors']));
  const gatewayRssKb = () => sumKb(pidsOf('gateway'), rssKb);

  /** every commit → proctor sample, in arrival order: the answer window's slice is reported */
  const proctorAll = new Samples(1 << 16);
  proctorChild.proc.on('message', (m: FromProctors) => {
    if (m.type === 'samples') {
      proctorAll.merge(m.ms);
      timeline.addProctorSamples(m.ms);
    } else if (m.type === 'error') log(`capacity: proctors: ${m.message}`);
  });
  const toProctors = (m: ToProctors) => proctorChild.proc.send(m);
  const ticker = setInterval(() => {
    const totals = fleet.totals();
    const cpu = timeline.tick(totals);
    const s = timeline.series;
    const last = <T>(a: T[]) => a.at(-1);
    const roleCpu = (prefix: string) => Object.entries(cpu).filter(([k]) => k.startsWith(prefix)).reduce((n, [, v]) => n + v, 0);
    const health = fleet.takeHealth();
    process.stderr.write(
      `[${timeline.elapsedS().toFixed(0).padStart(4)}s ${phase.padEnd(9)}] connected ${totals.connected} joined ${totals.joined} ` +
        `acks ${last(s.answersPerS)}/s p99 ${last(s.ackP99Ms) ?? '-'} ms commit p99 ${last(s.commitP99Ms) ?? '-'} ms queue ${last(s.queueDepth) ?? '-'}` +
        (totals.disconnects ? ` disconnects ${totals.disconnects}` : '') + (totals.connectErrors + totals.joinErrors ? ` errors ${totals.connectErrors + totals.joinErrors}` : '') +
        (totals.submitted ? ` submitted ${totals.submitted}` : '') +
        ` | cpu gw ${roleCpu('gateway')}% wk ${roleCpu('worker')}% load ${roleCpu('load')}% pg ${cpu.postgres ?? 0}% redis ${cpu.redis ?? 0}% host ${cpu.host ?? 0}%` +
        ` | gw rss ${Math.round(gatewayRssKb() / 1024)} MB | load loop ${health.loopDelayMs} ms\n`,
    );
  }, 1000);

  try {
    phase = 'empty';
    timeline.enterPhase('empty stack');
    const emptyCpu = roles();
    emptyCpu.mark();
    await sleep(5000);
    const emptyStackCpu = emptyCpu.sinceMark();
    const gatewayRssKbBefore = gatewayRssKb();

    // stampede: everyone connects, authenticates and joins as fast as the box lets them
    phase = 'stampede';
    timeline.enterPhase('stampede');
    const stampedeCpu = roles();
    stampedeCpu.mark();
    const t0 = Date.now();
    const shares = Array.from({ length: args.loadProcs }, (_, p) => tickets.filter((_, i) => i % args.loadProcs === p));
    fleet.send((p) => ({ type: 'prepare', url: stack.url, client: args.client, candidates: shares[p]!, sourceIps: args.sourceIps, connectPerSec: args.stampedeRate / args.loadProcs, maxOutstanding: args.outstanding }));
    const prepared = await fleet.collect('prepared', (args.candidates / args.stampedeRate + 300) * 1000);
    const cpuStampede = stampedeCpu.sinceMark();
    const afterStampede = fleet.totals();
    const joinMs = new Samples(args.candidates);
    const errors = new Set<string>();
    for (const m of prepared) {
      joinMs.merge(m.joinMs);
      m.errorSamples.forEach((e) => errors.add(e));
    }
    const lastJoinAt = Math.max(...prepared.map((m) => m.counters.lastJoinAt));
    const rampS = lastJoinAt > 0 ? Math.round((lastJoinAt - t0) / 100) / 10 : null;
    const joined = prepared.reduce((n, m) => n + m.counters.joined, 0);
    log(`capacity: ${joined}/${args.candidates} joined in ${rampS} s (join p99 ${Math.round(joinMs.percentile(99))} ms)${errors.size ? `; errors: ${[...errors].join(', ')}` : ''}`);
    if (joined === 0) throw new Error('no candidate could join; see the log file');

    await analyzeSchema(b, 'after the stampede', log);

    // hold: idle candidates; CPU is measured once the stampede's aftermath has settled
    phase = 'hold';
    timeline.enterPhase('hold');
    const settleS = Math.min(10, args.holdS / 5);
    const idleCpu = roles();
    await sleep(settleS * 1000);
    idleCpu.mark();
    await sleep((args.holdS - settleS) * 1000);
    const cpuIdle = idleCpu.sinceMark();
    const atHoldEnd = fleet.totals();
    const gatewayRssKbHeld = gatewayRssKb();
    const gatewayConnections = pidsOf('gateway').map(openSockets);
    log(`capacity: held ${args.holdS} s: ${atHoldEnd.connected} connected, ${atHoldEnd.disconnects} disconnects, gateway RSS ${Math.round(gatewayRssKbHeld / 1024)} MB, server CPU ${JSON.stringify(cpuIdle)}`);

    await analyzeSchema(b, 'after the hold', log);

    phase = 'proctors';
    timeline.enterPhase('proctors');
    let proctorsReadyMs: number | null = null;
    let proctorRosterRows = 0;
    if (args.proctors > 0) {
      toProctors({ type: 'watch', url: stack.url, tokens: await proctorTokens({ count: args.proctors, sittingId: args.sitting, sql: b.sql, tokens: b.tokens }) });
      const watching = (await nextMessage(proctorChild.proc, 'watching', 120_000)) as Extract<FromProctors, { type: 'watching' }>;
      proctorsReadyMs = watching.readyMs;
      proctorRosterRows = watching.rows;
      log(`capacity: ${args.proctors} proctors watching (${proctorRosterRows} roster rows) after ${proctorsReadyMs} ms`);
    }

    phase = 'answer';
    timeline.enterPhase('answer');
    const startAt = Date.now() + 500;
    const measureFrom = startAt + args.warmupS * 1000;
    const endAt = measureFrom + args.answerS * 1000;
    const answerCpu = roles();
    let proctorAllFrom = 0;
    setTimeout(() => {
      answerCpu.mark();
      toProctors({ type: 'reset' }); // drops the warm-up's samples not yet collected
      proctorAllFrom = proctorAll.count;
    }, measureFrom - Date.now());
    let cpuAnswer: Record<string, number> = {};
    let proctorWindow = new Samples();
    const windowEnd = setTimeout(() => {
      cpuAnswer = answerCpu.sinceMark();
      phase = 'drain';
    }, endAt - Date.now());
    fleet.send({ type: 'answer', startAt, measureFrom, endAt, intervalMs: (joined / args.rate) * 1000, drainTimeoutMs: 60_000 });
    const answered = await fleet.collect('answered', (args.warmupS + args.answerS + 180) * 1000);
    clearTimeout(windowEnd);
    // the window's saves and the drain's commits of them: every saved line a proctor saw meanwhile
    proctorWindow = Samples.from(proctorAll.since(proctorAllFrom));
    const afterAnswer = fleet.totals();
    const ackMs = new Samples(1 << 16);
    const commitMs = new Samples(1 << 16);
    const acked: AckedSeqs = new Map();
    for (const r of answered) {
      ackMs.merge(r.ackMs);
      commitMs.merge(r.commitMs);
      mergeAcked(acked, r.acked);
      r.errorSamples.forEach((e) => errors.add(e));
    }

    const submitMs = new Samples(args.candidates);
    if (args.submitSpreadS > 0) {
      phase = 'submit';
      timeline.enterPhase('submit');
      fleet.send({ type: 'submit', startAt: Date.now() + 500, spreadMs: args.submitSpreadS * 1000 });
      for (const r of await fleet.collect('submitted', (args.submitSpreadS + 180) * 1000)) {
        submitMs.merge(r.submitMs);
        r.errorSamples.forEach((e) => errors.add(e));
      }
    }
    const atEnd = fleet.totals();

    phase = 'verify';
    timeline.enterPhase('verify');
    toProctors({ type: 'close' });
    let backlog: number | null = null;
    await waitUntil(async () => (backlog = await b.queueBacklog()) === 0, 60_000, 'the answer queue to drain', 250).catch((err: Error) => log(`capacity: ${err.message}; ${backlog} job(s) left`));
    const verification = await verifyStored(b.sql, acked);
    const statusRows = await b.sql<Array<{ status: string; n: number }>>`SELECT status, count(*)::int AS n FROM attempts WHERE sitting_id = ${args.sitting} GROUP BY status ORDER BY status`;
    timeline.endPhases();
    clearInterval(ticker);

    phase = 'stop';
    await fleet.close();
    await stopChild(proctorChild, 5000);
    await stack.stop();
    if (!keepData) await dropStackData(b);
    await b.close();
    backend = undefined;

    const files = { json: join(reportDir, `capacity-${stamp}.json`), html: join(reportDir, `capacity-${stamp}.html`), timeline: join(reportDir, `capacity-${stamp}.timeline.json`), log: join(reportDir, `capacity-${stamp}.log`) };
    const result = buildCapacityResult({
      args, counters: { stampede: afterStampede, hold: atHoldEnd, answer: afterAnswer, end: atEnd }, rampS, joinMs, ackMs, commitMs,
      proctorMs: proctorWindow, submitMs, proctorsReadyMs, proctorRosterRows, answerWindowS: args.answerS, verification,
      attemptsByStatus: Object.fromEntries(statusRows.map((r) => [r.status, r.n])), gatewayRssKbBefore, gatewayRssKbHeld, gatewayConnections,
      cpuIdle, cpuAnswer, cpuStampede, emptyStackCpu, loadAvgBefore, errorSamples: [...errors], durationS: (Date.now() - started) / 1000,
      startedAt: new Date(started), reportFiles: files,
    });
    writeCapacityReport(files, result, timeline, capacityTargets(result));
    log(`capacity: targets (cores: ${availableParallelism()})`);
    summaryLines(result).forEach((line) => log(line));
    log(`capacity: report ${files.html}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return verification.lost > 0 || verification.dup > 0 ? 3 : 0;
  } finally {
    clearInterval(ticker);
  }
}

/** The next message of `type` from a child process (rejects on an `error` message or the timeout). */
function nextMessage(proc: import('node:child_process').ChildProcess, type: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(() => reject(new Error(`no "${type}" from a child within ${timeoutMs} ms`))), timeoutMs);
    const onMessage = (m: { type: string; message?: string }) => {
      if (m.type === type) done(() => resolve(m));
      else if (m.type === 'error') done(() => reject(new Error(m.message)));
    };
    const done = (settle: () => void) => {
      clearTimeout(timer);
      proc.off('message', onMessage);
      settle();
    };
    proc.on('message', onMessage);
  });
}

/** Open file descriptors of a gateway (its sockets plus a few dozen others): the per-process connection spread. */
function openSockets(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

let aborting: Promise<never> | undefined;
function abort(reason: string): Promise<never> {
  aborting ??= (async () => {
    log(`capacity: ${reason}; stopping every process it started`);
    killAllChildren();
    if (backend && !keepData) await Promise.race([dropStackData(backend).catch(() => undefined), sleep(10_000)]);
    await closeChildLog();
    process.exit(1);
  })();
  return aborting;
}

async function main(): Promise<void> {
  const args = argsOrExit('capacity', parseCapacityArgs, USAGE);
  const reportDir = resolve(args.reportDir ?? join(HERE, '../../results'));
  const { stamp } = logChildrenTo('capacity', reportDir, 'capacity');
  const timer = setTimeout(() => void abort(`global timeout of ${args.timeoutS} s reached in phase "${phase}"`), args.timeoutS * 1000);
  process.once('SIGINT', () => void abort('interrupted'));
  process.once('SIGTERM', () => void abort('terminated'));
  let code = 1;
  try {
    code = await run(args, stamp, reportDir);
  } catch (err) {
    if (!aborting) log(`capacity: failed in phase "${phase}": ${(err as Error).stack ?? String(err)}`);
    await abort('giving up');
  }
  clearTimeout(timer);
  await closeChildLog();
  process.exit(code);
}

void main();
