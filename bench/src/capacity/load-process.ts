/**
 * A capacity load process: forked by main.ts, holds its share of candidates — lean protocol
 * clients (lean-candidate.ts) or real SDK clients (--client sdk) — and does only what the
 * orchestrator says — stampede, answer, submit, close — so every load process acts in step.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sleep, type LoadMetrics } from '../answers/candidate.js';
import { Samples } from '../answers/stats.js';
import { ramp, serveOrchestrator } from '../common/load-ipc.js';
import { runAnswerPhase } from '../common/answer-phase.js';
import { zeroCounters, type Counters, type FromLoad, type ToLoad } from './ipc.js';
import { LeanCandidate, type LoadCandidate } from './lean-candidate.js';
import { SdkCandidate } from './sdk-candidate.js';

const counters = zeroCounters();
const metrics: LoadMetrics = { counters, ackMs: new Samples(1 << 16), commitMs: new Samples(1 << 16), errorSamples: new Set() };
const joinMs = new Samples(1 << 14);
const submitMs = new Samples(1 << 14);
const drivers: LoadCandidate[] = [];
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** how many samples of each kind the previous progress message already carried */
const shipped = { ack: 0, commit: 0, join: 0 };
let progressTimer: ReturnType<typeof setInterval> | undefined;

let send: (message: FromLoad) => void = () => {};

function snapshot(): Counters {
  let pending = 0;
  for (const d of drivers) pending += d.pendingCount();
  return { ...counters, pending };
}

function progress(): void {
  const ack = metrics.ackMs.since(shipped.ack);
  const commit = metrics.commitMs.since(shipped.commit);
  const join = joinMs.since(shipped.join);
  shipped.ack += ack.length;
  shipped.commit += commit.length;
  shipped.join += join.length;
  send({ type: 'progress', counters: snapshot(), loopDelayMs: loopDelay.max / 1e6, sentAt: Date.now(), ackMs: ack, commitMs: commit, joinMs: join, errorSamples: [...metrics.errorSamples] });
  loopDelay.reset();
}

const noteError = (code: string) => {
  if (metrics.errorSamples.size < 20) metrics.errorSamples.add(code);
};

async function handle(msg: ToLoad): Promise<void> {
  switch (msg.type) {
    case 'prepare': {
      progressTimer ??= setInterval(progress, 1000);
      const { url, candidates, sourceIps } = msg;
      for (let i = 0; i < candidates.length; i++) {
        const source = sourceIps[i % sourceIps.length]!;
        drivers.push(msg.client === 'sdk' ? new SdkCandidate(url, candidates[i]!.token, source, metrics) : new LeanCandidate(url, candidates[i]!.token, source, metrics));
      }
      await ramp(drivers.length, msg.connectPerSec, msg.maxOutstanding, async (i) => {
        const startedAt = performance.now();
        if (await drivers[i]!.start()) {
          joinMs.add(performance.now() - startedAt);
          counters.lastJoinAt = Date.now();
        }
      });
      send({ type: 'prepared', counters: snapshot(), joinMs: joinMs.toArray(), errorSamples: [...metrics.errorSamples] });
      return;
    }
    case 'answer': {
      const acked = await runAnswerPhase(drivers, msg);
      send({ type: 'answered', counters: snapshot(), ackMs: metrics.ackMs.toArray(), commitMs: metrics.commitMs.toArray(), acked, errorSamples: [...metrics.errorSamples] });
      return;
    }
    case 'submit': {
      await Promise.all(
        drivers.map(async (d) => {
          if (d.attemptId === undefined) return;
          await sleep(Math.max(0, msg.startAt + Math.random() * msg.spreadMs - Date.now()));
          const startedAt = performance.now();
          try {
            await d.submit();
            submitMs.add(performance.now() - startedAt);
            counters.submitted++;
          } catch (err) {
            counters.submitErrors++;
            noteError(`submit:${(err as { code?: string }).code ?? (err as Error).message?.slice(0, 60)}`);
          }
        }),
      );
      send({ type: 'submitted', counters: snapshot(), submitMs: submitMs.toArray(), errorSamples: [...metrics.errorSamples] });
      return;
    }
    case 'close': {
      clearInterval(progressTimer);
      await Promise.all(drivers.map((d) => d.close()));
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
      return;
    }
  }
}

send = serveOrchestrator<ToLoad, FromLoad>(handle);
