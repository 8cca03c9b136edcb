import { parseArgs } from 'node:util';
import { ExamhallError } from '@examhall/shared';
import { ConfigError, isDevTokenSecret, loadConfig, type Config } from './config/config.js';
import { createLogger } from './observability/logger.js';
import { connectDatabase, type Sql } from './store/db.js';
import { createAttemptServices, type AttemptServices } from './attempts/services.js';
import { startSitting } from './attempts/start-signal.js';
import { migrate } from './store/migrate.js';
import { DEFAULT_SEED, seedDemo } from './exam/seed.js';
import { TokenService } from './auth/tokens.js';
import { issueAccessCodes } from './auth/access-codes.js';
import { startNode, type Role } from './app.js';
import { importRoster } from './roster/roster-import.js';
import { ROSTER_COLUMNS } from './roster/roster-csv.js';

const USAGE = `examhall <command> [options]

Roles (long-running):
  gateway                 Socket.IO gateway on uWebSockets.js (/candidate, /proctor), the exam page at /exam/
                          and the proctor dashboard at /proctor/, health at /healthz and /readyz
  worker                  BullMQ answer worker: flushes answer batches to Postgres
  all                     both in one process (demo and tests)

Commands:
  migrate                 apply numbered SQL migrations to DATABASE_SCHEMA
  seed [--candidates N] [--sitting ID] [--start-mode on_join|signal]
                          demo districts, centers, a 20-question exam, one sitting, N candidates
  token --candidate ID [--sitting ID] [--ttl SECONDS]
                          print a signed candidate token
  token --proctor ID [--sitting ID] (--center C1,C2 | --district D1 | --admin) [--ttl SECONDS]
                          print a signed proctor token for those centers / districts / the whole sitting
  import-roster FILE.csv [--sitting ID]
                          districts, centers and candidates (with extra time) from a CSV with the columns
                          ${ROSTER_COLUMNS.join(',')}; checked line by line first, written in
                          one transaction (nothing on any error), upserted by id (re-import updates);
                          --sitting also enrols them
  access-codes [--sitting ID] [--candidate C1,C2]
                          issue new access codes (every enrolled candidate by default; replaces old ones)
                          and print them once as CSV: candidate_id,access_code — only hashes are stored
  demo [--candidates N] [--start-mode on_join|signal]
                          migrate + seed + run role "all", printing how to connect
  start --sitting ID      the start signal of a sitting whose candidates wait in a lobby
  extend --attempt ID --minutes N [--reason TEXT]
  pause --attempt ID [--reason TEXT]
  resume --attempt ID [--reason TEXT]
                          change one attempt's time (audited; candidates see it live)

Configuration comes from environment variables; see README.md.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      candidates: { type: 'string' },
      sitting: { type: 'string' },
      candidate: { type: 'string' },
      ttl: { type: 'string' },
      proctor: { type: 'string' },
      center: { type: 'string' },
      district: { type: 'string' },
      admin: { type: 'boolean' },
      attempt: { type: 'string' },
      minutes: { type: 'string' },
      reason: { type: 'string' },
      'start-mode': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (!command || values.help || command === 'help') return void process.stdout.write(`${USAGE}\n`);
  const config = loadConfig();
  const sittingId = values.sitting ?? DEFAULT_SEED.sittingId;

  switch (command) {
    case 'gateway':
    case 'worker':
    case 'all':
      return runRole(config, command);
    case 'migrate':
      return withDatabase(config, async (sql) => {
        const result = await migrate(sql, config.DATABASE_SCHEMA);
        process.stdout.write(`migrations applied: ${result.applied.length ? result.applied.join(', ') : 'none (up to date)'}\n`);
      });
    case 'seed':
      return withDatabase(config, async (sql) => {
        await migrate(sql, config.DATABASE_SCHEMA);
        const seeded = await seedDemo(sql, { candidates: positiveInt(values.candidates, DEFAULT_SEED.candidates), sittingId, startMode: startModeOf(values['start-mode']) });
        process.stdout.write(`seeded sitting ${seeded.sittingId} with ${seeded.candidateIds.length} candidates\n`);
      });
    case 'import-roster':
      return withDatabase(config, async (sql) => {
        const file = positionals[0];
        if (!file) throw new ExamhallError('BAD_REQUEST', 'import-roster needs a CSV file');
        await migrate(sql, config.DATABASE_SCHEMA);
        const result = await importRoster(sql, file, {
          sittingId: values.sitting,
          onProgress: (rows) => process.stderr.write(`\rroster: ${rows.toLocaleString('en')} rows written`),
        });
        if (result.errors.length > 0) {
          for (const e of result.errors) process.stderr.write(`line ${e.line}: ${e.message}\n`);
          process.stderr.write(`roster refused: ${result.errors.length} error(s) shown; nothing was written\n`);
          process.exitCode = 1;
          return;
        }
        const perS = Math.round(result.rows / (result.ms / 1000));
        process.stderr.write('\n');
        process.stdout.write(`${JSON.stringify({ rows: result.rows, districts: result.districts, centers: result.centers, candidates: result.candidates, enrolled: result.enrolled, ms: Math.round(result.ms), rows_per_s: perS })}\n`);
      });
    case 'access-codes':
      return withDatabase(config, async (sql) => {
        const wanted = (values.candidate ?? '').split(',').map((x) => x.trim()).filter(Boolean);
        const issued = await issueAccessCodes(sql, sittingId, wanted);
        process.stdout.write(`candidate_id,access_code\n${issued.map((c) => `${c.candidateId},${c.accessCode}`).join('\n')}\n`);
        process.stderr.write(`${issued.length} access code(s) issued for sitting ${sittingId}\n`);
      });
    case 'token': {
      const tokens = new TokenService(config);
      if (values.proctor) {
        const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
        const scope = { sittingId, role: values.admin ? ('admin' as const) : ('proctor' as const), districts: list(values.district), centers: list(values.center) };
        if (scope.role === 'proctor' && scope.districts.length + scope.centers.length === 0) throw new UsageError('a proctor token needs --center, --district or --admin');
        const ttl = values.ttl ? positiveInt(values.ttl, config.TOKEN_TTL_S) : undefined;
        process.stdout.write(`${await tokens.issueProctorToken({ proctorId: values.proctor, scope }, ttl)}\n`);
        return;
      }
      if (!values.candidate) throw new UsageError('token needs --candidate ID or --proctor ID');
      const ttl = values.ttl ? positiveInt(values.ttl, config.TOKEN_TTL_S) : undefined;
      process.stdout.write(`${await tokens.issueCandidateToken({ candidateId: values.candidate, sittingId }, ttl)}\n`);
      return;
    }
    case 'start':
    case 'extend':
    case 'pause':
    case 'resume':
      return withAttemptServices(config, async ({ sql, attempts }) => {
        const actor = `cli:${process.env.USER ?? 'operator'}`;
        if (command === 'start') {
          const started = await startSitting({ sql, ...attempts }, sittingId, actor);
          return `sitting ${sittingId} started at ${new Date(started.startedAt).toISOString()}: candidates waiting in the lobby: ${started.attempts}`;
        }
        if (!values.attempt) throw new UsageError(`${command} needs --attempt ID`);
        const change = { actor, reason: values.reason };
        const update =
          command === 'extend' ? await attempts.timing.extend(values.attempt, positiveInt(values.minutes, 0) * 60, change)
          : command === 'pause' ? await attempts.timing.pause(values.attempt, change)
          : await attempts.timing.resume(values.attempt, change);
        return `attempt ${values.attempt}: ${update.reason}, deadline ${update.deadline ? new Date(update.deadline).toISOString() : '-'}${update.paused ? ' (paused)' : ''}`;
      });
    case 'demo':
      // a fresh sitting per run, so a second demo never finds last run's attempts already finished
      return runDemo(config, positiveInt(values.candidates, DEFAULT_SEED.candidates), values.sitting ?? `demo-${Date.now().toString(36)}`, startModeOf(values['start-mode']));
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number, got "${value}"`);
  return n;
}

async function withDatabase(config: Config, work: (sql: ReturnType<typeof connectDatabase>) => Promise<void>): Promise<void> {
  const sql = connectDatabase(config);
  try {
    await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function withAttemptServices(config: Config, work: (deps: { sql: Sql; attempts: AttemptServices }) => Promise<string>): Promise<void> {
  const logger = createLogger({ ...config, LOG_LEVEL: 'warn' }, 'cli');
  const sql = connectDatabase(config);
  const attempts = createAttemptServices(config, sql, logger);
  try {
    process.stdout.write(`${await work({ sql, attempts })}\n`);
  } finally {
    await attempts.close();
    await sql.end({ timeout: 5 });
  }
}

async function runRole(config: Config, role: Role): Promise<void> {
  const logger = createLogger(config, role);
  if (isDevTokenSecret(config)) logger.warn('TOKEN_SECRET is the development default; set it outside development');
  // A stray rejection inside a library must not take thousands of sockets down with it.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  // Node still exits after an uncaught exception (state may be corrupt); this only says why, in the log.
  process.on('uncaughtExceptionMonitor', (err, origin) => logger.fatal({ err, origin }, 'uncaught exception'));
  const node = await startNode(config, role, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining');
    const force = setTimeout(() => process.exit(1), config.SHUTDOWN_GRACE_MS);
    force.unref();
    // Clients get the drain window to move to another gateway while this one still takes their
    // answers; then the batches are flushed and everything closed. Half the grace at most for the
    // window: the rest is for the flush and the close.
    (async () => {
      await node.gateway?.drain(config.SHUTDOWN_GRACE_MS / 2);
      await node.close();
    })().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function startModeOf(value: string | undefined): 'on_join' | 'signal' {
  if (value === undefined || value === 'on_join') return 'on_join';
  if (value === 'signal') return 'signal';
  throw new UsageError(`--start-mode is on_join or signal, not "${value}"`);
}

async function runDemo(config: Config, candidates: number, sittingId: string, startMode: 'on_join' | 'signal'): Promise<void> {
  let firstCenter = '';
  let codes: { candidateId: string; accessCode: string }[] = [];
  await withDatabase(config, async (sql) => {
    await migrate(sql, config.DATABASE_SCHEMA);
    await seedDemo(sql, { candidates, sittingId, startMode });
    codes = await issueAccessCodes(sql, sittingId, ['cand-000004', 'cand-000005']);
    const [row] = await sql.unsafe<{ center_id: string }[]>('SELECT center_id FROM candidates WHERE id = $1', ['cand-000001']);
    firstCenter = row?.center_id ?? '';
  });
  await runRole(config, 'all');
  const tokens = new TokenService(config);
  const base = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${config.PORT}`;
  const sample = await Promise.all([1, 2, 3].map((n) => tokens.issueCandidateToken({ candidateId: `cand-${String(n).padStart(6, '0')}`, sittingId })));
  const centerProctor = await tokens.issueProctorToken({ proctorId: 'demo-proctor', scope: { sittingId, role: 'proctor', districts: [], centers: [firstCenter] } });
  const admin = await tokens.issueProctorToken({ proctorId: 'demo-admin', scope: { sittingId, role: 'admin', districts: [], centers: [] } });
  process.stdout.write(`
examhall demo is running: sitting "${sittingId}" with ${candidates} candidates (cand-000001 … cand-${String(candidates).padStart(6, '0')}).
  gateway:   ${base}   (Socket.IO namespaces /candidate and /proctor)   health: ${base}/healthz  ${base}/readyz

  exam page, open in a browser (one tab per candidate):
${sample.map((t, i) => `    cand-00000${i + 1}: ${base}/exam/#token=${t}`).join('\n')}
  or sign in with an access code at ${base}/exam/#sitting=${sittingId}
${codes.map((c) => `    ${c.candidateId}  access code ${c.accessCode}`).join('\n')}
  proctor dashboard:
    center ${firstCenter}: ${base}/proctor/#token=${centerProctor}
    whole sitting (admin): ${base}/proctor/#token=${admin}

  another token:        npm run examhall -- token --candidate cand-000042 --sitting ${sittingId}
  answer as a candidate: npm run demo:candidate -- --token <token>${startMode === 'signal' ? `\n  start the sitting:     npm run examhall -- start --sitting ${sittingId}` : ''}
Stop with Ctrl+C.
`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof ExamhallError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`examhall: ${(err as Error).message}\n\n`);
    process.exit(2);
  }
  process.stderr.write(`examhall: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
