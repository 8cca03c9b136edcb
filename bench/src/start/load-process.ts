import { ramp, serveOrchestrator } from '../common/load-ipc.js';
/**
 * A load process of the start bench: forked by main.ts, connects and joins its share of candidates
 * into the lobby, records when each paper arrives after the start signal and reports over IPC.
 * It never decides anything by itself: the orchestrator says when to ramp, when to report and when to close.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { zeroStartCounters, type FromLoad, type ToLoad } from './ipc.js';
import { LobbyCandidate, sleep } from './lobby-candidate.js';
import { foldRecords, settled } from './outcome.js';

const counters = zeroStartCounters();
const candidates: LobbyCandidate[] = [];
const errorSamples = new Set<string>();
const noteError = (code: string) => {
  if (errorSamples.size < 20) errorSamples.add(code);
};
let progressTimer: ReturnType<typeof setInterval> | undefined;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** worst loop delay of each 1 s progress window, by the window's end (epoch ms); kept from the end of the ramp on */
const loopDelayWindows: Array<{ endedAt: number; maxMs: number }> = [];
let keepWindows = false;

let send: (message: FromLoad) => void = () => {};

async function handle(msg: ToLoad): Promise<void> {
  switch (msg.type) {
    case 'prepare': {
      progressTimer ??= setInterval(() => {
        const delay = loopDelay.max / 1e6;
        if (keepWindows) loopDelayWindows.push({ endedAt: Date.now(), maxMs: delay });
        send({ type: 'progress', counters: { ...counters }, loopDelayMs: delay, sentAt: Date.now() });
        loopDelay.reset();
      }, 1000);
      const startedAt = Date.now();
      msg.candidates.forEach((t, i) => candidates.push(new LobbyCandidate(msg.url, t.token, msg.sourceIps[i % msg.sourceIps.length]!, counters, noteError)));
      // at most ~2 s worth of handshakes outstanding: a slow gateway slows the ramp instead of piling up
      await ramp(candidates.length, msg.connectPerSec, Math.max(50, msg.connectPerSec * 2), (i) => candidates[i]!.start());
      keepWindows = true;
      send({ type: 'lobby', counters: { ...counters }, rampMs: Date.now() - startedAt });
      return;
    }
    case 'collect': {
      // (this message may itself arrive late: the loop is busy with the papers; they are timed as they land)
      while (Date.now() < msg.waitUntil && !candidates.every((c) => settled(c.record))) await sleep(25);
      // the windows that overlap [t0, now], plus the one still open
      let worst = loopDelay.max / 1e6;
      for (const w of loopDelayWindows) if (w.endedAt >= msg.t0) worst = Math.max(worst, w.maxMs);
      const folded = foldRecords(candidates.map((c) => c.record), msg);
      send({ type: 'result', counters: { ...counters }, ...folded, errorSamples: [...errorSamples], loopDelayMaxMs: Math.round(worst) });
      return;
    }
    case 'close': {
      clearInterval(progressTimer);
      await Promise.all(candidates.map((c) => c.client.close()));
      send({ type: 'closed' });
      setTimeout(() => process.exit(0), 100);
      return;
    }
  }
}

send = serveOrchestrator<ToLoad, FromLoad>(handle);
