import { intOption, numberOption } from '../common/options.js';
import { parseArgs } from 'node:util';

export const USAGE = `npm run bench:answers -- [options]

Drives N candidates through the real client SDK against the answer path and checks Postgres afterwards.

  --candidates N        candidates (default 200)
  --seconds S           measured answering window in seconds (default 10)
  --warmup W            seconds of answering before the window, not measured (JIT, pools; default 5)
  --rate R              total answers/s over all candidates; 0 = as fast as acks allow,
                        one save awaiting its ack per candidate (default 0)
  --load-procs P        load processes (default 2)
  --gateways G          gateway processes sharing one port via SO_REUSEPORT (default 1)
  --workers W           worker processes (default 1)
  --url URL             use a running stack instead of starting one; then the environment must describe it:
                        DATABASE_URL, DATABASE_SCHEMA (loss check, seeding), REDIS_URL, REDIS_PREFIX
                        (queue drain check), TOKEN_SECRET (tokens); same defaults as the server's config
  --sitting ID          sitting to join (default demo-morning)
  --ramp C              connections started per second per load process (default 250)
  --source-ips K        spread client sockets over 127.0.0.1 … 127.0.0.K (default 8)
  --max-in-flight F     SDK maxInFlight (default: the SDK's own)
  --proctors K          proctors watching through the ProctorClient: one administrator and K-1 center
                        proctors; gives proctor_p50_ms / proctor_p99_ms, commit → proctor (default 3; 0 = none)
  --baseline-sockets B  sockets of the bare echo baseline (default min(N, 1000)); 0 skips it
  --baseline-seconds T  baseline window (default 5)
  --drain-timeout D     seconds each candidate waits for its outbox to drain (default 60)
  --timeout T           global timeout in seconds; kills everything and exits 1 (default warm-up + S + 180)
  --keep                keep the bench schema and Redis keys (own stack only)

Server settings for the stack it starts come from the environment (e.g. WORKER_CONCURRENCY=8
BATCH_MAX_WAIT_MS=2 PG_POOL_MAX=20); BENCH_SERVER_LOG_LEVEL sets LOG_LEVEL (default warn).
The last stdout line is the JSON result; it is also written to bench/results/answers-<timestamp>.json.
Exit status: 0 ok, 1 error or timeout, 3 the run finished but found lost or duplicated answers.`;

export interface BenchArgs {
  candidates: number;
  seconds: number;
  warmupS: number;
  rate: number;
  loadProcs: number;
  gateways: number;
  workers: number;
  url?: string;
  sitting: string;
  rampPerProc: number;
  sourceIps: string[];
  maxInFlight?: number;
  proctors: number;
  baselineSockets: number;
  baselineSeconds: number;
  drainTimeoutS: number;
  timeoutS: number;
  keep: boolean;
}

export function parseBenchArgs(argv: string[]): BenchArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      candidates: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      rate: { type: 'string' },
      'load-procs': { type: 'string' },
      gateways: { type: 'string' },
      workers: { type: 'string' },
      url: { type: 'string' },
      sitting: { type: 'string' },
      ramp: { type: 'string' },
      'source-ips': { type: 'string' },
      'max-in-flight': { type: 'string' },
      proctors: { type: 'string' },
      'baseline-sockets': { type: 'string' },
      'baseline-seconds': { type: 'string' },
      'drain-timeout': { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const candidates = intOption('candidates', values.candidates, 200, 1, 200_000);
  const seconds = numberOption('seconds', values.seconds, 10, 1, 3600);
  const warmupS = numberOption('warmup', values.warmup, 5, 0, 600);
  const ips = intOption('source-ips', values['source-ips'], 8, 1, 254);
  if (values.url !== undefined) {
    const host = new URL(values.url).hostname;
    // load only ever targets this machine's loopback
    if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== 'localhost') throw new Error(`--url must point into 127.0.0.0/8, got ${host}`);
  }
  return {
    candidates,
    seconds,
    warmupS,
    rate: numberOption('rate', values.rate, 0, 0),
    loadProcs: intOption('load-procs', values['load-procs'], 2, 1, 64),
    gateways: intOption('gateways', values.gateways, 1, 1, 16),
    workers: intOption('workers', values.workers, 1, 1, 16),
    url: values.url?.replace(/\/+$/, ''),
    sitting: values.sitting ?? 'demo-morning',
    rampPerProc: numberOption('ramp', values.ramp, 250, 1, 100_000),
    sourceIps: Array.from({ length: ips }, (_, i) => `127.0.0.${i + 1}`),
    maxInFlight: values['max-in-flight'] === undefined ? undefined : intOption('max-in-flight', values['max-in-flight'], 64),
    proctors: intOption('proctors', values.proctors, 3, 0, 1000),
    baselineSockets: intOption('baseline-sockets', values['baseline-sockets'], Math.min(candidates, 1000), 0, 100_000),
    baselineSeconds: numberOption('baseline-seconds', values['baseline-seconds'], 5, 1, 600),
    drainTimeoutS: numberOption('drain-timeout', values['drain-timeout'], 60, 1, 3600),
    timeoutS: numberOption('timeout', values.timeout, warmupS + seconds + 180, 10, 86_400),
    keep: values.keep ?? false,
  };
}
