import { parseArgs } from 'node:util';
import { intOption, numberOption } from '../common/options.js';
import { SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

export const USAGE = `npm run chaos -- [options]

During a running exam (N candidates answering through the real SDK), injects one fault at a time
into a stack of its own — its own redis-server and its own PostgreSQL cluster on free ports in a
temp folder, never the shared ones — and measures what the candidates lost and how long they took
to come back.

  --candidates N       candidates answering (default 200; --short: 30)
  --scenarios a,b,c    scenarios to run, in this order (default: all):
                       ${SCENARIO_NAMES.join(', ')}
  --unreachable-s S    how long Redis stays unreachable (default 30; --short: 5)
  --interval-ms I      each candidate saves one answer every ~I ms, jittered ±50% (default 1000)
  --gateways G         gateways sharing one port (default 2; at least 2: a killed one needs a survivor)
  --workers W          workers (default 2; at least 2)
  --load-procs P       load processes (default: 1 per 250 candidates, at most 4)
  --warmup-s S         answering before each fault (default 5; --short: 3)
  --recovery-timeout-s S  a candidate not back after this long counts as unrecovered (default 90)
  --resume-target-s S  the target the exit status checks (default 10)
  --short              the CI version: 30 candidates, unreachable 5 s, warm-up 3 s, every scenario
  --timeout T          global timeout in seconds (default 900; --short: 300)

Server settings come from the environment as for the server (e.g. WORKER_LOCK_MS); the worker
stop lasts WORKER_LOCK_MS + 5 s. The last stdout line is the JSON result (also written to
bench/results/chaos-<timestamp>.json). Exit status: 0 target met, 1 error or timeout,
3 lost or duplicated answers, or a resume slower than the target.`;

export interface ChaosArgs {
  candidates: number;
  scenarios: ScenarioName[];
  unreachableS: number;
  intervalMs: number;
  gateways: number;
  workers: number;
  loadProcs: number;
  warmupS: number;
  recoveryTimeoutS: number;
  resumeTargetS: number;
  short: boolean;
  timeoutS: number;
  sitting: string;
  sourceIps: string[];
}

export function parseChaosArgs(argv: string[]): ChaosArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      candidates: { type: 'string' },
      scenarios: { type: 'string' },
      'unreachable-s': { type: 'string' },
      'interval-ms': { type: 'string' },
      gateways: { type: 'string' },
      workers: { type: 'string' },
      'load-procs': { type: 'string' },
      'warmup-s': { type: 'string' },
      'recovery-timeout-s': { type: 'string' },
      'resume-target-s': { type: 'string' },
      short: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const short = values.short ?? false;
  const candidates = intOption('candidates', values.candidates, short ? 30 : 200, 1, 20_000);
  let scenarios = [...SCENARIO_NAMES];
  if (values.scenarios !== undefined) {
    const picked = values.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = picked.filter((s) => !(SCENARIO_NAMES as readonly string[]).includes(s));
    if (unknown.length > 0 || picked.length === 0) throw new Error(`--scenarios: unknown ${unknown.join(', ') || '(none given)'}; known: ${SCENARIO_NAMES.join(', ')}`);
    scenarios = picked as ScenarioName[];
  }
  return {
    candidates,
    scenarios,
    unreachableS: numberOption('unreachable-s', values['unreachable-s'], short ? 5 : 30, 1, 600),
    intervalMs: intOption('interval-ms', values['interval-ms'], 1000, 50, 60_000),
    gateways: intOption('gateways', values.gateways, 2, 2, 16),
    workers: intOption('workers', values.workers, 2, 2, 16),
    loadProcs: intOption('load-procs', values['load-procs'], Math.min(4, Math.ceil(candidates / 250)), 1, 16),
    warmupS: numberOption('warmup-s', values['warmup-s'], short ? 3 : 5, 0, 600),
    recoveryTimeoutS: numberOption('recovery-timeout-s', values['recovery-timeout-s'], 90, 5, 3600),
    resumeTargetS: numberOption('resume-target-s', values['resume-target-s'], 10, 0.1, 3600),
    short,
    timeoutS: numberOption('timeout', values.timeout, short ? 300 : 900, 30, 86_400),
    sitting: 'demo-morning',
    sourceIps: Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`),
  };
}
