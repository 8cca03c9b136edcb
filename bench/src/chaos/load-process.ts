/**
 * A chaos load process: forked by main.ts, drives its share of candidates through the real SDK
 * for the whole run and reports each scenario over IPC. The orchestrator decides every step.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ramp, serveOrchestrator } from '../common/load-ipc.js';
import { ChaosCandidate } from './candidate.js';
import type { AcceptedReport, ChaosCounters, FromChaosLoad, ToChaosLoad } from './ipc.js';

const candidates: ChaosCandidate[] = [];
let progressTimer: ReturnType<typeof setInterval> | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let send: (message: FromChaosLoad) => void = () => {};

function counters(): ChaosCounters {
  const c: ChaosCounters = { connected: 0, joined: 0, saved: 0, acked: 0, pending: 0, disconnects: 0 };
  for (const d of candidates) {
    if (d.client.connected) c.connected++;
    if (d.connectedAndJoined) c.joined++;
    c.saved += d.saved;
    c.acked += d.acked;
    c.pending += d.client.pendingCount();
    c.disconnects += d.disconnects;
  }
  return c;
}

function accepted(pick: (d: ChaosCandidate) => Map<string, number>): AcceptedReport {
  const report: AcceptedReport = [];
  for (const d of candidates) {
    const seqs = pick(d);
    if (d.attemptId && seqs.size > 0) report.push([d.attemptId, [...seqs]]);
  }
  return report;
}

async function handle(msg: ToChaosLoad): Promise<void> {
  switch (msg.type) {
    case 'prepare': {
      progressTimer ??= setInterval(() => {
        send({ type: 'progress', counters: counters(), loopDelayMs: loopDelay.max / 1e6, sentAt: Date.now() });
        loopDelay.reset();
      }, 1000);
      msg.candidates.forEach((t, i) => candidates.push(new ChaosCandidate(msg.url, t.token, msg.sourceIps[i % msg.sourceIps.length]!)));
      const started: ChaosCandidate[] = [];
      await ramp(candidates.length, msg.connectPerSec, Math.max(20, msg.connectPerSec * 2), async (i) => {
        if (await candidates[i]!.start()) started.push(candidates[i]!);
      });
      // a candidate that could not join would only add noise to every scenario: leave it out
      for (const d of candidates.filter((c) => !started.includes(c))) void d.client.close();
      candidates.splice(0, candidates.length, ...started);
      send({ type: 'prepared', counters: counters() });
      return;
    }
    case 'answer':
      for (const d of candidates) d.answerEvery(msg.intervalMs);
      return;
    case 'burst':
      for (const d of candidates) d.saveNow();
      return;
    case 'scenario-start':
      for (const d of candidates) d.resetScenario();
      send({ type: 'scenario-started', counters: counters() });
      return;
    case 'fault-ended': {
      if (process.env.CHAOS_TRACE) trace(candidates[0], msg.at);
      const at = await Promise.all(candidates.map((d) => d.recoveredAfter(msg.timeoutMs)));
      const resumeMs = at.filter((t): t is number => t !== undefined).map((t) => Math.max(0, t - msg.at));
      send({ type: 'recovered', counters: counters(), resumeMs, unrecovered: at.length - resumeMs.length });
      return;
    }
    case 'scenario-end': {
      for (const d of candidates) d.pause();
      const drained = await Promise.all(candidates.map((d) => d.drain(msg.drainTimeoutMs)));
      const errors: Record<string, number> = {};
      let disconnects = 0;
      for (const d of candidates) {
        for (const [code, n] of d.errors) errors[code] = (errors[code] ?? 0) + n;
        disconnects += d.disconnects;
      }
      send({
        type: 'scenario-result', counters: counters(), accepted: accepted((d) => d.acceptedInScenario), errors, disconnects,
        undrained: drained.filter((ok) => !ok).length,
      });
      return;
    }
    case 'totals':
      send({ type: 'totals', counters: counters(), accepted: accepted((d) => d.acceptedInRun) });
      return;
    case 'close':
      clearInterval(progressTimer);
      for (const d of candidates) d.pause();
      await Promise.all(candidates.map((d) => d.client.close()));
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
      return;
  }
}

/** CHAOS_TRACE=1: one candidate's events after the fault, to the log file (ms since the fault's end) */
function trace(d: ChaosCandidate | undefined, at: number): void {
  if (!d) return;
  const t = () => Date.now() - at;
  const out = (what: string) => process.stderr.write(`trace +${t()} ms ${what} pending=${d.client.pendingCount()}\n`);
  for (const name of ['queued', 'committed', 'retrying', 'rejected', 'connected', 'disconnected', 'joined', 'error'] as const) {
    d.client.on(name as 'queued', (item: unknown) => out(`${name} ${JSON.stringify(item)?.slice(0, 160)}`));
  }
}

send = serveOrchestrator<ToChaosLoad, FromChaosLoad>(handle);
