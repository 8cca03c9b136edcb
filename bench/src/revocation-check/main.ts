/**
 * npm run bench:revocation-check -- [--checks 40000] [--wave 2000] [--revocations 1000]
 * What the token-revocation check adds to each handshake. On a fresh schema and Redis prefix with
 * `--revocations` recorded (half by jti, half by candidate), a RevocationChecker on a fail-fast
 * connection (like the gateway's) runs: sequential checks (one MGET round trip each: p50/p99), then
 * `--checks` checks in concurrent waves of `--wave` (a join stampede: wall time and this process's
 * CPU per check), then sequential checks with Redis unreachable (the Postgres fallback). Last line: JSON.
 */
import { parseArgs } from 'node:util';
import { intOption } from '../common/options.js';
import { RevocationChecker, TokenRevoker, type TokenSubject } from '../../../server/src/auth/revocations.js';
import { createLogger } from '../../../server/src/observability/logger.js';
import { migrate } from '../../../server/src/store/migrate.js';
import { connectRedis } from '../../../server/src/store/redis.js';
import { dropStackData, freshStackSettings, openBackend } from '../answers/stack.js';

const { values } = parseArgs({ options: { checks: { type: 'string', default: '40000' }, wave: { type: 'string', default: '2000' }, revocations: { type: 'string', default: '1000' } } });
// checked: a wave of 0 would never finish
const CHECKS = intOption('checks', values.checks, 40_000);
const WAVE = intOption('wave', values.wave, 2000);
const REVOCATIONS = intOption('revocations', values.revocations, 1000);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
const subject = (i: number): TokenSubject => ({ kind: 'candidate', subjectId: `cand-${i}`, sittingId: 'bench', tokenId: `jti-${i}`, issuedAtMs: Date.now() });

async function sequential(checker: RevocationChecker, n: number): Promise<{ p50_us: number; p99_us: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await checker.check(subject(REVOCATIONS + i)).catch(() => undefined);
    times.push((performance.now() - started) * 1000);
  }
  times.sort((a, b) => a - b);
  return { p50_us: Math.round(percentile(times, 0.5)), p99_us: Math.round(percentile(times, 0.99)) };
}

const backend = openBackend(freshStackSettings({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test', ...process.env }));
const logger = createLogger({ ...backend.config, LOG_LEVEL: 'warn' }, 'bench');
const fast = connectRedis(backend.config, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
const unreachable = connectRedis({ ...backend.config, REDIS_URL: 'redis://127.0.0.1:1' }, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
unreachable.on('error', () => undefined);
try {
  await migrate(backend.sql, backend.config.DATABASE_SCHEMA);
  if (fast.status !== 'ready') await new Promise<void>((resolve) => fast.once('ready', () => resolve()));
  const revoker = new TokenRevoker({ sql: backend.sql, redis: fast, config: backend.config, logger });
  for (let i = 0; i < REVOCATIONS; i++) await revoker.revoke(i % 2 ? { jti: `jti-${i}` } : { candidateId: `cand-${i}`, sittingId: 'bench' }, 'bench');
  const checker = new RevocationChecker({ sql: backend.sql, redis: fast, config: backend.config, logger });
  let refused = 0;
  for (let i = 0; i < 10; i++) await checker.check({ ...subject(i), issuedAtMs: 0 }).catch(() => refused++);
  if (refused !== 10) throw new Error(`expected the 10 revoked tokens refused, got ${refused}`);
  const redisSequential = await sequential(checker, 2000);

  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let done = 0; done < CHECKS; done += WAVE) {
    await Promise.all(Array.from({ length: Math.min(WAVE, CHECKS - done) }, (_, i) => checker.check(subject(REVOCATIONS + done + i))));
  }
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);

  const postgresFallback = await sequential(new RevocationChecker({ sql: backend.sql, redis: unreachable, config: backend.config, logger }), 500);
  process.stdout.write(`${JSON.stringify({
    revocations: REVOCATIONS,
    redis_check_sequential: redisSequential,
    stampede: { checks: CHECKS, wave: WAVE, wall_ms: Math.round(wallMs), checks_per_s: Math.round(CHECKS / (wallMs / 1000)), cpu_us_per_check: Math.round((used.user + used.system) / CHECKS) },
    postgres_fallback_sequential: postgresFallback,
  })}\n`);
} finally {
  await dropStackData(backend).catch(() => undefined);
  fast.disconnect();
  unreachable.disconnect();
  await backend.close();
}
