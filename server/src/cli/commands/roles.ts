import { isDevTokenSecret, type Config } from '../../config/config.js';
import { createLogger } from '../../observability/logger.js';
import { startNode, type Role } from '../../app.js';
import { DEFAULT_SEED, seedDemo } from '../../exam/seed.js';
import { issueAccessCodes } from '../../auth/access-codes.js';
import { createApiKey } from '../../auth/api-keys.js';
import { TokenService } from '../../auth/tokens.js';
import { positiveInt, stringOpt, UsageError, withDatabase, type CliCommand } from '../command.js';

const role = (name: Role, summary: string): CliCommand => ({ name, summary, run: async ({ config }) => runRole(config, name) });

export const roleCommands: CliCommand[] = [
  role('gateway', 'Socket.IO gateway on uWebSockets.js (/candidate, /proctor), the exam page at /exam/\nand the proctor dashboard at /proctor/, health at /healthz and /readyz'),
  role('worker', 'BullMQ answer, deadline and proctor workers: flush answer batches to Postgres'),
  role('api', 'the exam office HTTP API on API_PORT (OpenAPI document at /openapi.json; API keys from `api-key create`)'),
  role('all', 'a gateway and the workers in one process (tests)'),
  {
    name: 'demo',
    args: '[--candidates N] [--start-mode on_join|signal]',
    summary: 'migrate + seed + run a gateway, the workers and the API in one process, printing how to connect',
    options: { candidates: { type: 'string' }, sitting: { type: 'string' }, 'start-mode': { type: 'string' } },
    run: async ({ config, values }) =>
      // a fresh sitting per run, so a second demo never finds last run's attempts already finished
      runDemo(config, positiveInt(values.candidates, DEFAULT_SEED.candidates), stringOpt(values, 'sitting') ?? `demo-${Date.now().toString(36)}`, startModeOf(stringOpt(values, 'start-mode'))),
  },
];

export function startModeOf(value: string | undefined): 'on_join' | 'signal' {
  if (value === undefined || value === 'on_join') return 'on_join';
  if (value === 'signal') return 'signal';
  throw new UsageError(`--start-mode is on_join or signal, not "${value}"`);
}

async function runRole(config: Config, role: Role, options: { withApi?: boolean } = {}): Promise<void> {
  const logger = createLogger(config, role);
  if (isDevTokenSecret(config)) logger.warn('TOKEN_SECRET is the development default; set it outside development');
  // A stray rejection inside a library must not take thousands of sockets down with it.
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  // Node still exits after an uncaught exception (state may be corrupt); this only says why, in the log.
  process.on('uncaughtExceptionMonitor', (err, origin) => logger.fatal({ err, origin }, 'uncaught exception'));
  const node = await startNode(config, role, logger, options);
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

async function runDemo(config: Config, candidates: number, sittingId: string, startMode: 'on_join' | 'signal'): Promise<void> {
  const { firstCenter, codes, apiKey } = await withDatabase(config, async (sql) => {
    await seedDemo(sql, { candidates, sittingId, startMode });
    const codes = await issueAccessCodes(sql, sittingId, ['cand-000004', 'cand-000005']);
    const [row] = await sql.unsafe<{ center_id: string }[]>('SELECT center_id FROM candidates WHERE id = $1', ['cand-000001']);
    const apiKey = (await createApiKey(sql, `demo-${sittingId}`)).key;
    return { firstCenter: row?.center_id ?? '', codes, apiKey };
  }, { migrate: true });
  await runRole(config, 'all', { withApi: true });
  const tokens = new TokenService(config);
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  const base = `http://${host}:${config.PORT}`;
  const api = `http://${host}:${config.API_PORT}`;
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

  exam office API:      ${api}   (OpenAPI: ${api}/openapi.json)
    API key (shown once): ${apiKey}
    curl -H "Authorization: Bearer ${apiKey}" ${api}/api/v1/exams

  another token:        npm run examhall -- token --candidate cand-000042 --sitting ${sittingId}
  answer as a candidate: npm run demo:candidate -- --token <token>${startMode === 'signal' ? `\n  start the sitting:     npm run examhall -- start --sitting ${sittingId}` : ''}
Stop with Ctrl+C.
`);
}
