import { intOption, numberOption } from '../common/options.js';
import { parseArgs } from 'node:util';

export const USAGE = `npm run bench:start -- [options]

Synchronized start: N candidates wait in the lobby of a 'signal' sitting, one start signal is
given, and every candidate's time to its paper is measured (through the real client SDK).

  --candidates N        candidates (default 500)
  --load-procs P        load processes (default 2; raised so that no process holds more than
                        ${'~'}9,000 sockets: the open-file limit is 20,000 per process)
  --gateways G          gateway processes sharing one port via SO_REUSEPORT (default 2)
  --workers W           worker processes (default 1)
  --ramp R              connect+join started per second per load process (default 250)
  --source-ips K        spread client sockets over 127.0.0.1 … 127.0.0.K (default 8)
  --settle S            seconds of quiet between "everyone is in the lobby" and the signal (default 3)
  --lobby-timeout T     seconds to wait for the lobby to fill after the ramp's expected end;
                        the signal is given anyway when it runs out (default 120)
  --paper-timeout T     seconds after the signal a candidate may take to get its paper (default 60)
  --sitting ID          sitting id to seed and start (default bench-start)
  --timeout T           global timeout in seconds; kills everything and exits 1
                        (default ramp + lobby timeout + paper timeout + 180)
  --keep                keep the bench schema and Redis keys

Server settings for the stack it starts come from the environment (e.g. PG_POOL_MAX=20);
BENCH_SERVER_LOG_LEVEL sets LOG_LEVEL (default warn).
The last stdout line is the JSON result; it is also written to bench/results/start-<timestamp>.json.
Exit status: 0 ok, 1 error or timeout, 3 the run finished but some candidates failed.`;

/** Most sockets one load process should hold: well below the 20,000 open-file limit. */
export const MAX_SOCKETS_PER_PROC = 9000;

export interface StartArgs {
  candidates: number;
  loadProcs: number;
  /** what was asked for, when it had to be raised */
  loadProcsRequested: number;
  gateways: number;
  workers: number;
  rampPerProc: number;
  sourceIps: string[];
  settleS: number;
  lobbyTimeoutS: number;
  paperTimeoutS: number;
  sitting: string;
  timeoutS: number;
  keep: boolean;
}

/** P load processes for N sockets: at least `requested`, and enough that none holds more than `maxPerProc`. */
export function loadProcsFor(candidates: number, requested: number, maxPerProc = MAX_SOCKETS_PER_PROC): number {
  return Math.max(requested, Math.ceil(candidates / maxPerProc));
}

export function parseStartArgs(argv: string[]): StartArgs | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      candidates: { type: 'string' },
      'load-procs': { type: 'string' },
      gateways: { type: 'string' },
      workers: { type: 'string' },
      ramp: { type: 'string' },
      'source-ips': { type: 'string' },
      settle: { type: 'string' },
      'lobby-timeout': { type: 'string' },
      'paper-timeout': { type: 'string' },
      sitting: { type: 'string' },
      timeout: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const candidates = intOption('candidates', values.candidates, 500, 1, 200_000);
  const requested = intOption('load-procs', values['load-procs'], 2, 1, 64);
  const loadProcs = loadProcsFor(candidates, requested);
  const rampPerProc = numberOption('ramp', values.ramp, 250, 1, 100_000);
  const ips = intOption('source-ips', values['source-ips'], 8, 1, 254);
  const settleS = numberOption('settle', values.settle, 3, 0, 600);
  const lobbyTimeoutS = numberOption('lobby-timeout', values['lobby-timeout'], 120, 1, 3600);
  const paperTimeoutS = numberOption('paper-timeout', values['paper-timeout'], 60, 1, 3600);
  const sitting = values.sitting ?? 'bench-start';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(sitting)) throw new Error(`--sitting must be a plain id, got "${sitting}"`);
  const rampS = Math.ceil(candidates / loadProcs / rampPerProc);
  return {
    candidates,
    loadProcs,
    loadProcsRequested: requested,
    gateways: intOption('gateways', values.gateways, 2, 1, 16),
    workers: intOption('workers', values.workers, 1, 1, 16),
    rampPerProc,
    sourceIps: Array.from({ length: ips }, (_, i) => `127.0.0.${i + 1}`),
    settleS,
    lobbyTimeoutS,
    paperTimeoutS,
    sitting,
    timeoutS: numberOption('timeout', values.timeout, rampS + lobbyTimeoutS + settleS + paperTimeoutS + 180, 10, 86_400),
    keep: values.keep ?? false,
  };
}
