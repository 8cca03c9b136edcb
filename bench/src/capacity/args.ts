import { parseArgs } from 'node:util';
import { intOption, numberOption } from '../common/options.js';

export const USAGE = `npm run bench:capacity -- [options]

Runs the whole product on this box — G gateways on one port, W workers, Redis, Postgres — and
drives N candidates through the real client SDK from P load processes over K source addresses:
stampede (connect + auth + join), hold (idle), proctors watching, answers at a set rate, submit.
Prints live progress; at the end a JSON summary (last stdout line) and an HTML report with plots.

  --candidates N        candidates (default 1000)
  --hold S              seconds every candidate stays connected and idle after the stampede (default 60)
  --rate R              answers/s in total during the answer phase (default 2000)
  --answer-seconds A    measured answering window (default 60)
  --warmup W            answering seconds before the window, not measured (default 5)
  --proctors K          proctors watching from the answer phase on: 1 administrator + K-1 center proctors (default 5)
  --submit-spread S     every candidate submits once, at a random moment within S seconds (default 60; 0 skips the submit phase)
  --gateways G          gateway processes on one port, SO_REUSEPORT (default: one per 12,000 candidates, at least 3)
  --workers W           worker processes (default 2)
  --load-procs P        load processes (default: one per 8,000 candidates, at least 2; each stays under the open-file limit)
  --source-ips K        client sockets spread over 127.0.0.2 … 127.0.0.(K+1) (default: one per 5,000 candidates, at least 2)
  --stampede-rate C     connect + join started per second, all load processes together (default 2500)
  --outstanding H       unfinished handshakes per load process at most (default 400)
  --client lean|sdk     lean: the protocol over a bare WebSocket (shared/'s events and payloads, no
                        outbox, reconnection or clock sync; cheap enough for 40,000 on 2 cores);
                        sdk: the real ExamClient, as browsers run it (default lean)
  --sitting ID          sitting id (default capacity)
  --report-dir DIR      where the JSON, the HTML report and the child log go (default bench/results)
  --timeout T           global timeout in seconds; kills everything and exits 1 (default: phases + 600)
  --keep                keep the bench schema and Redis keys

Server settings come from the environment (WORKER_CONCURRENCY, PG_POOL_MAX, MAX_CONNECTIONS, …);
BENCH_SERVER_LOG_LEVEL sets LOG_LEVEL (default warn). Exit status: 0 ok, 1 error or timeout,
3 finished but lost or duplicated answers were found.`;

export interface CapacityArgs {
  candidates: number;
  holdS: number;
  rate: number;
  answerS: number;
  warmupS: number;
  proctors: number;
  submitSpreadS: number;
  gateways: number;
  workers: number;
  loadProcs: number;
  sourceIps: string[];
  stampedeRate: number;
  outstanding: number;
  client: 'lean' | 'sdk';
  sitting: string;
  reportDir?: string;
  timeoutS: number;
  keep: boolean;
}

/** The open-file limit is 20,000 per process: a load process keeps well under it. */
export const MAX_SOCKETS_PER_LOAD_PROC = 9_000;

export function parseCapacityArgs(argv: string[]): CapacityArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      candidates: { type: 'string' }, hold: { type: 'string' }, rate: { type: 'string' }, 'answer-seconds': { type: 'string' },
      warmup: { type: 'string' }, proctors: { type: 'string' }, 'submit-spread': { type: 'string' }, gateways: { type: 'string' },
      workers: { type: 'string' }, 'load-procs': { type: 'string' }, 'source-ips': { type: 'string' }, 'stampede-rate': { type: 'string' },
      outstanding: { type: 'string' }, client: { type: 'string' }, sitting: { type: 'string' }, 'report-dir': { type: 'string' }, timeout: { type: 'string' },
      keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const candidates = intOption('candidates', values.candidates, 1000, 1, 200_000);
  const holdS = numberOption('hold', values.hold, 60, 0, 86_400);
  const answerS = numberOption('answer-seconds', values['answer-seconds'], 60, 1, 3600);
  const warmupS = numberOption('warmup', values.warmup, 5, 0, 600);
  const submitSpreadS = numberOption('submit-spread', values['submit-spread'], 60, 0, 3600);
  const loadProcs = intOption('load-procs', values['load-procs'], Math.max(2, Math.ceil(candidates / 8000)), 1, 64);
  if (candidates / loadProcs > MAX_SOCKETS_PER_LOAD_PROC) {
    throw new Error(`--load-procs ${loadProcs} would put ${Math.ceil(candidates / loadProcs)} sockets in one process; keep it under ${MAX_SOCKETS_PER_LOAD_PROC} (open-file limit 20,000)`);
  }
  const ips = intOption('source-ips', values['source-ips'], Math.max(2, Math.ceil(candidates / 5000)), 1, 250);
  const stampedeRate = numberOption('stampede-rate', values['stampede-rate'], 2500, 1, 100_000);
  const client = values.client ?? 'lean';
  if (client !== 'lean' && client !== 'sdk') throw new Error(`--client must be lean or sdk, got "${client}"`);
  const proctors = intOption('proctors', values.proctors, 5, 0, 1000);
  const expectedS = candidates / stampedeRate + holdS + warmupS + answerS + submitSpreadS;
  return {
    candidates,
    holdS,
    rate: numberOption('rate', values.rate, 2000, 1, 1_000_000),
    answerS,
    warmupS,
    proctors,
    submitSpreadS,
    gateways: intOption('gateways', values.gateways, Math.max(3, Math.ceil(candidates / 12_000)), 1, 32),
    workers: intOption('workers', values.workers, 2, 1, 16),
    loadProcs,
    // 127.0.0.1 is the gateways' own address: clients come from .2 onwards, ~28,000 ports each
    sourceIps: Array.from({ length: ips }, (_, i) => `127.0.0.${i + 2}`),
    stampedeRate,
    outstanding: intOption('outstanding', values.outstanding, 400, 1, 100_000),
    client,
    sitting: values.sitting ?? 'capacity',
    reportDir: values['report-dir'],
    timeoutS: numberOption('timeout', values.timeout, Math.ceil(expectedS + 600), 10, 7 * 86_400),
    keep: values.keep ?? false,
  };
}
