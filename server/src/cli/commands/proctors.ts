import { createLogger } from '../../observability/logger.js';
import { connectRedis } from '../../store/redis.js';
import type { Sql } from '../../store/db.js';
import type { Config } from '../../config/config.js';
import { createProctorAccount, disableProctorAccount, listProctorAccounts, setProctorScope, thenRevoke } from '../../auth/proctor-accounts.js';
import { TokenRevoker, type RevocationTarget } from '../../auth/revocations.js';
import { cliActor, listOpt, stringOpt, UsageError, withDatabase, type CliCommand, type CliValues } from '../command.js';

/** Reads a password from stdin (one line), so it is never in the shell history or the process list. */
async function readPasswordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Revokes with a Redis connection of its own, closed after the notice to the gateways has gone out. */
async function revoke(config: Config, sql: Sql, target: RevocationTarget, reason: string | undefined) {
  const redis = connectRedis(config, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // the revocation reports REDIS_UNAVAILABLE itself
  try {
    return await new TokenRevoker({ sql, redis, config, logger: createLogger({ ...config, LOG_LEVEL: 'warn' }, 'cli') }).revoke(target, cliActor(), reason);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

const requireId = (values: CliValues, command: string) => {
  const id = stringOpt(values, 'id');
  if (!id) throw new UsageError(`${command} needs --id PROCTOR_ID`);
  return id;
};

export const proctorCommands: CliCommand[] = [
  {
    name: 'proctor create',
    args: '--id P --name NAME [--password-stdin]',
    summary: 'a proctor account; its password is read from stdin, or generated and printed once (only a scrypt hash is stored)',
    options: { id: { type: 'string' }, name: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const id = requireId(values, 'proctor create');
        const name = stringOpt(values, 'name');
        if (!name) throw new UsageError('proctor create needs --name NAME');
        const password = values['password-stdin'] ? await readPasswordFromStdin() : undefined;
        const created = await createProctorAccount(sql, { id, name, password }, cliActor());
        if (created.generatedPassword) process.stdout.write(`${created.generatedPassword}\n`);
        process.stderr.write(`proctor account ${id} "${name}" created${created.generatedPassword ? '; the password above is shown only now' : ''}\n`);
      }),
  },
  {
    name: 'proctor scope',
    args: '--id P --sitting S (--center C1,C2 | --district D1,D2 | --admin)',
    summary: "set the account's scope in a sitting (replacing its old one there) and revoke its earlier tokens",
    options: { id: { type: 'string' }, sitting: { type: 'string' }, center: { type: 'string' }, district: { type: 'string' }, admin: { type: 'boolean' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const id = requireId(values, 'proctor scope');
        const sittingId = stringOpt(values, 'sitting');
        if (!sittingId) throw new UsageError('proctor scope needs --sitting ID');
        const scope = { sittingId, role: values.admin ? ('admin' as const) : ('proctor' as const), districts: listOpt(values, 'district'), centers: listOpt(values, 'center') };
        if (scope.role === 'proctor' && scope.districts.length + scope.centers.length === 0) throw new UsageError('proctor scope needs --center, --district or --admin');
        const set = await setProctorScope(sql, id, scope, cliActor());
        await thenRevoke('the scope is set', () => revoke(config, sql, { proctorId: id }, 'scope changed'));
        process.stdout.write(`${JSON.stringify({ proctorId: id, scope: set })}\n`);
      }),
  },
  {
    name: 'proctor list',
    summary: 'proctor accounts with their scopes, one JSON line each (never passwords)',
    run: ({ config }) =>
      withDatabase(config, async (sql) => {
        for (const account of await listProctorAccounts(sql)) process.stdout.write(`${JSON.stringify(account)}\n`);
      }),
  },
  {
    name: 'proctor disable',
    args: '--id P [--reason TEXT]',
    summary: 'the account can no longer sign in; every token it holds is revoked and its sockets closed',
    options: { id: { type: 'string' }, reason: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const id = requireId(values, 'proctor disable');
        const disabled = await disableProctorAccount(sql, id, cliActor());
        await thenRevoke('the account is disabled', () => revoke(config, sql, { proctorId: id }, stringOpt(values, 'reason') ?? 'account disabled'));
        process.stdout.write(`proctor ${id} ${disabled.already ? 'was already disabled' : 'disabled'} (${disabled.disabledAt}); its tokens are revoked\n`);
      }),
  },
  {
    name: 'tokens revoke',
    args: '--jti J | --candidate C --sitting S | --proctor P [--reason TEXT]',
    summary: 'revoke one token, or every token issued until now to a candidate in a sitting or to a proctor:\nrefused at the next handshake, connected sockets closed (recorded in Postgres, mirrored in Redis)',
    options: { jti: { type: 'string' }, candidate: { type: 'string' }, sitting: { type: 'string' }, proctor: { type: 'string' }, reason: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const jti = stringOpt(values, 'jti');
        const candidateId = stringOpt(values, 'candidate');
        const proctorId = stringOpt(values, 'proctor');
        if ([jti, candidateId, proctorId].filter(Boolean).length !== 1) throw new UsageError('tokens revoke needs exactly one of --jti, --candidate (with --sitting) or --proctor');
        let target: RevocationTarget;
        if (jti) target = { jti };
        else if (proctorId) target = { proctorId };
        else {
          const sittingId = stringOpt(values, 'sitting');
          if (!sittingId) throw new UsageError('tokens revoke --candidate needs --sitting ID');
          target = { candidateId: candidateId!, sittingId };
        }
        const { id, notice, expiresAt } = await revoke(config, sql, target, stringOpt(values, 'reason'));
        process.stdout.write(`${JSON.stringify({ revocationId: id, ...notice, expiresAt: expiresAt.toISOString() })}\n`);
      }),
  },
];
