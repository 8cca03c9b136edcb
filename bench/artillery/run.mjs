#!/usr/bin/env node
// `npm run bench:artillery -- [--scenario smoke|stampede|soak] --sitting <id> [--target URL] [--first N] [--candidates N]`
//
// Runs one of the Artillery scenarios in this folder against a RUNNING stack (e.g. `npm run demo`):
//   1. installs Artillery 2.0.21 into bench/artillery/node_modules on first use (`npm ci`, browsers skipped);
//   2. issues access codes for candidates cand-<first> … cand-<first+N-1> of the sitting
//      (`npm run examhall -- access-codes --candidate …`: this REPLACES those candidates' codes) and
//      writes bench/artillery/candidates.csv (role,candidate_id,access_code; first row = the proctor);
//   3. signs an administrator proctor token for the sitting (`npm run examhall -- token --proctor … --admin`);
//   4. runs `artillery run <scenario>.yml` with EXAMHALL_SITTING / EXAMHALL_PROCTOR_TOKEN set and the
//      JSON report written to bench/results/artillery-<scenario>-<timestamp>.json.
// Steps 2 and 3 read DATABASE_URL, DATABASE_SCHEMA, TOKEN_SECRET, … from the environment like the server.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** arrivals are one VU per payload row: 1 proctor + N candidates within `duration` seconds */
const SCENARIOS = {
  smoke: { candidates: 5, duration: 6 },
  stampede: { candidates: 500, duration: 30 },
  soak: { candidates: 50, duration: 10 },
};

const HELP = `npm run bench:artillery -- --sitting <id> [options]

  --sitting ID        the sitting to sign in to (default: $EXAMHALL_SITTING); \`npm run demo\` prints it
  --target URL        the running stack (default http://127.0.0.1:8080; only 127.0.0.0/8)
  --scenario NAME     smoke (default), stampede or soak — bench/artillery/<name>.yml
  --first N           first candidate number used (default 11: cand-000011 …); a submitted
                      candidate cannot answer again, so move it on when re-running on one sitting
  --candidates N      how many candidates (default: smoke 5, stampede 500, soak 50)
  --output FILE       Artillery's JSON report (default bench/results/artillery-<scenario>-<time>.json)
  --overrides JSON    passed on to \`artillery run --overrides\`, e.g. '{"config":{"variables":{"holdS":5}}}'
  --help`;

function die(message) {
  process.stderr.write(`bench:artillery: ${message}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    sitting: { type: 'string' },
    target: { type: 'string', default: 'http://127.0.0.1:8080' },
    scenario: { type: 'string', default: 'smoke' },
    first: { type: 'string', default: '11' },
    candidates: { type: 'string' },
    output: { type: 'string' },
    overrides: { type: 'string' },
    help: { type: 'boolean' },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}

const scenario = SCENARIOS[values.scenario];
if (!scenario) die(`--scenario is one of ${Object.keys(SCENARIOS).join(', ')}, not "${values.scenario}"`);
const sitting = values.sitting ?? process.env.EXAMHALL_SITTING;
if (!sitting) die('--sitting <id> is required (npm run demo prints it)');
let target;
try {
  target = new URL(values.target);
} catch {
  die(`--target is not a URL: ${values.target}`);
}
if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(target.hostname) || target.protocol !== 'http:') die(`--target must be http://127.x.y.z[:port], not ${values.target}`);
const first = Number(values.first);
const count = values.candidates === undefined ? scenario.candidates : Number(values.candidates);
if (!Number.isInteger(first) || first < 1) die('--first must be a positive integer');
if (!Number.isInteger(count) || count < 1) die('--candidates must be a positive integer');

// 1. Artillery, on demand (kept out of the root `npm ci`: it is big)
const artilleryBin = join(here, 'node_modules', 'artillery', 'bin', 'run');
if (!existsSync(artilleryBin)) {
  process.stderr.write('bench:artillery: installing artillery@2.0.21 into bench/artillery/node_modules (once)…\n');
  const ci = spawnSync('npm', ['ci', '--prefix', here, '--no-audit', '--no-fund'], {
    stdio: 'inherit',
    env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  if (ci.status !== 0 || !existsSync(artilleryBin)) die('npm ci --prefix bench/artillery failed');
}

function examhall(args) {
  const r = spawnSync('npm', ['run', '-s', 'examhall', '--', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) die(`npm run examhall -- ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

// 2. access codes for the candidates this run uses → the CSV payload
const ids = Array.from({ length: count }, (_, i) => `cand-${String(first + i).padStart(6, '0')}`);
const codes = new Map();
for (let i = 0; i < ids.length; i += 500) {
  const csv = examhall(['access-codes', '--sitting', sitting, '--candidate', ids.slice(i, i + 500).join(',')]);
  for (const line of csv.trim().split('\n').slice(1)) {
    const [id, code] = line.split(',');
    if (id && code) codes.set(id, code);
  }
}
const missing = ids.filter((id) => !codes.has(id));
if (missing.length > 0) die(`no access code issued for ${missing.length} candidate(s) (${missing.slice(0, 3).join(', ')}…): not enrolled in sitting ${sitting}?`);
const payload = join(here, 'candidates.csv');
writeFileSync(payload, `role,candidate_id,access_code\nproctor,,\n${ids.map((id) => `candidate,${id},${codes.get(id)}`).join('\n')}\n`, { mode: 0o600 });

// 3. a proctor token for the whole sitting
const proctorToken = examhall(['token', '--proctor', 'artillery-proctor', '--sitting', sitting, '--admin']).trim();

// 4. artillery run
const resultsDir = join(root, 'bench', 'results');
mkdirSync(resultsDir, { recursive: true });
const output = values.output ?? join(resultsDir, `artillery-${values.scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const args = [artilleryBin, 'run', '--target', target.origin, '--output', output];
let overrides = {};
if (values.overrides !== undefined) {
  try {
    overrides = JSON.parse(values.overrides);
  } catch {
    die('--overrides is not JSON');
  }
}
if (values.candidates !== undefined) {
  // one VU per payload row: keep the arrivals equal to 1 proctor + N candidates
  overrides = { ...overrides, config: { ...overrides.config, phases: overrides.config?.phases ?? [{ name: values.scenario, duration: scenario.duration, arrivalCount: count + 1 }] } };
}
if (Object.keys(overrides).length > 0) args.push('--overrides', JSON.stringify(overrides));
args.push(join(here, `${values.scenario}.yml`));
process.stderr.write(`bench:artillery: ${values.scenario} against ${target.origin}, sitting ${sitting}, 1 proctor + ${count} candidates (${ids[0]} … ${ids.at(-1)}), report → ${relative(root, output)}\n`);
const run = spawnSync(process.execPath, args, {
  cwd: here,
  stdio: 'inherit',
  env: { ...process.env, EXAMHALL_SITTING: sitting, EXAMHALL_PROCTOR_TOKEN: proctorToken, ARTILLERY_DISABLE_TELEMETRY: 'true' },
});
process.exit(run.status ?? 1);
