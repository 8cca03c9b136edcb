import { ramp, serveOrchestrator } from '../common/load-ipc.js';
import { runAnswerPhase } from '../common/answer-phase.js';
/**
 * A load process: forked by main.ts, drives its share of candidates through the real SDK and
 * reports over IPC. It never decides anything by itself: the orchestrator says when to connect,
 * when to start answering and when to close, so all load processes act in step.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CandidateDriver, type LoadMetrics } from './candidate.js';
import { runBaselineClients } from './baseline.js';
import { zeroCounters, type FromLoad, type ToLoad } from './ipc.js';
import { Samples } from './stats.js';

const metrics: LoadMetrics = { counters: zeroCounters(), ackMs: new Samples(1 << 16), commitMs: new Samples(1 << 16), errorSamples: new Set() };
const drivers: CandidateDriver[] = [];
let progressTimer: ReturnType<typeof setInterval> | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

let send: (message: FromLoad) => void = () => {};

function snapshot() {
  let pending = 0;
  for (const d of drivers) pending += d.client.pendingCount();
  return { ...metrics.counters, pending };
}

async function handle(msg: ToLoad): Promise<void> {
  switch (msg.type) {
    case 'baseline': {
      const result = await runBaselineClients(msg);
      send({ type: 'baseline-result', ...result });
      return;
    }
    case 'prepare': {
      progressTimer ??= setInterval(() => {
        send({ type: 'progress', counters: snapshot(), loopDelayMs: loopDelay.max / 1e6, sentAt: Date.now() });
        loopDelay.reset();
      }, 1000);
      const { url, candidates, sourceIps } = msg;
      for (let i = 0; i < candidates.length; i++) {
        drivers.push(new CandidateDriver(url, candidates[i]!.token, sourceIps[i % sourceIps.length]!, msg.maxInFlight, metrics));
      }
      // at most ~2 s worth of handshakes outstanding: a slow gateway slows the ramp instead of piling up
      await ramp(drivers.length, msg.connectPerSec, Math.max(50, msg.connectPerSec * 2), (i) => drivers[i]!.start());
      send({ type: 'prepared', counters: snapshot() });
      return;
    }
    case 'go': {
      const acked = await runAnswerPhase(drivers, msg);
      send({
        type: 'result',
        counters: snapshot(),
        ackMs: metrics.ackMs.toArray(),
        commitMs: metrics.commitMs.toArray(),
        acked,
        errorSamples: [...metrics.errorSamples],
      });
      return;
    }
    case 'close': {
      clearInterval(progressTimer);
      await Promise.all(drivers.map((d) => d.client.close()));
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
      return;
    }
  }
}

send = serveOrchestrator<ToLoad, FromLoad>(handle);
