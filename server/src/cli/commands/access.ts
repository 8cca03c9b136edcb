import { decodeJwt } from 'jose';
import { TokenService } from '../../auth/tokens.js';
import { issueAccessCodes } from '../../auth/access-codes.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/api-keys.js';
import { DEFAULT_SEED } from '../../exam/seed.js';
import { listOpt, positiveInt, stringOpt, UsageError, withDatabase, type CliCommand } from '../command.js';

/** the token on stdout; its jti on stderr, for `tokens revoke --jti` */
function printToken(token: string): void {
  process.stdout.write(`${token}\n`);
  process.stderr.write(`jti ${String(decodeJwt(token).jti)}\n`);
}

export const accessCommands: CliCommand[] = [
  {
    name: 'token',
    aliases: ['tokens'],
    args: '--candidate ID [--sitting ID] [--ttl SECONDS]\n  token --proctor ID [--sitting ID] (--center C1,C2 | --district D1 | --admin) [--ttl SECONDS]',
    summary: 'print a signed candidate token, or a proctor token for those centers / districts / the whole sitting',
    options: { candidate: { type: 'string' }, proctor: { type: 'string' }, sitting: { type: 'string' }, ttl: { type: 'string' }, center: { type: 'string' }, district: { type: 'string' }, admin: { type: 'boolean' } },
    run: async ({ config, values }) => {
      const tokens = new TokenService(config);
      const sittingId = stringOpt(values, 'sitting') ?? DEFAULT_SEED.sittingId;
      const ttl = values.ttl ? positiveInt(values.ttl, config.TOKEN_TTL_S) : undefined;
      const proctorId = stringOpt(values, 'proctor');
      if (proctorId) {
        const scope = { sittingId, role: values.admin ? ('admin' as const) : ('proctor' as const), districts: listOpt(values, 'district'), centers: listOpt(values, 'center') };
        if (scope.role === 'proctor' && scope.districts.length + scope.centers.length === 0) throw new UsageError('a proctor token needs --center, --district or --admin');
        printToken(await tokens.issueProctorToken({ proctorId, scope }, ttl));
        return;
      }
      const candidateId = stringOpt(values, 'candidate');
      if (!candidateId) throw new UsageError('token needs --candidate ID or --proctor ID');
      printToken(await tokens.issueCandidateToken({ candidateId, sittingId }, ttl));
    },
  },
  {
    name: 'access-codes',
    aliases: ['access codes'],
    args: '[--sitting ID] [--candidate C1,C2]',
    summary: 'issue new access codes (every enrolled candidate by default; replaces old ones)\nand print them once as CSV: candidate_id,access_code; only hashes are stored',
    options: { sitting: { type: 'string' }, candidate: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const sittingId = stringOpt(values, 'sitting') ?? DEFAULT_SEED.sittingId;
        const issued = await issueAccessCodes(sql, sittingId, listOpt(values, 'candidate'));
        process.stdout.write(`candidate_id,access_code\n${issued.map((c) => `${c.candidateId},${c.accessCode}`).join('\n')}\n`);
        process.stderr.write(`${issued.length} access code(s) issued for sitting ${sittingId}\n`);
      }),
  },
  {
    name: 'api-key create',
    args: '--name NAME',
    summary: 'a new API key for the HTTP API, printed once (only a hash of its secret is stored)',
    options: { name: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const name = stringOpt(values, 'name');
        if (!name) throw new UsageError('api-key create needs --name (who or what uses the key; it is the audit actor)');
        const { id, key } = await createApiKey(sql, name);
        process.stdout.write(`${key}\n`);
        process.stderr.write(`API key ${id} "${name}" created; it is shown only now\n`);
      }),
  },
  {
    name: 'api-key list',
    summary: 'the API keys (ids, names, revoked or not; never secrets)',
    run: ({ config }) =>
      withDatabase(config, async (sql) => {
        for (const k of await listApiKeys(sql)) process.stdout.write(`${k.id}\t${k.name}\t${k.role}\t${k.created_at.toISOString()}\t${k.revoked_at ? `revoked ${k.revoked_at.toISOString()}` : 'active'}\n`);
      }),
  },
  {
    name: 'api-key revoke',
    args: 'ID',
    summary: 'revoke an API key: its next request is refused',
    run: ({ config, positionals }) =>
      withDatabase(config, async (sql) => {
        const id = positionals[0];
        if (!id) throw new UsageError('api-key revoke needs the key id (from api-key list)');
        process.stdout.write((await revokeApiKey(sql, id)) ? `revoked ${id}\n` : `no active key ${id}\n`);
      }),
  },
];
