import { archiveSitting } from '../../archive/archive-sitting.js';
import { cliActor, stringOpt, UsageError, userPath, withDatabase, type CliCommand } from '../command.js';

export const storageCommands: CliCommand[] = [
  {
    name: 'archive',
    args: '--sitting ID [--out DIR] [--purge]',
    summary: `a closed sitting's attempts, answers, answer events, scores, presence, alerts and audit rows to DIR
(default archives/<sitting>) as gzipped JSON Lines plus manifest.json (row counts, sha256); refused while
the window is open or attempts are in progress. --purge then deletes those rows in one audited
transaction, only after every file was re-read and verified`,
    options: { sitting: { type: 'string' }, out: { type: 'string' }, purge: { type: 'boolean' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const sittingId = stringOpt(values, 'sitting');
        if (!sittingId) throw new UsageError('archive needs --sitting ID');
        const result = await archiveSitting(sql, {
          sittingId,
          outDir: userPath(stringOpt(values, 'out') ?? `archives/${sittingId}`),
          purge: values.purge === true,
          actor: cliActor(),
        });
        const rows = Object.fromEntries(result.tables.map((t) => [t.table, t.rows]));
        process.stdout.write(`${JSON.stringify({ sitting: sittingId, out: result.outDir, manifest_sha256: result.manifestSha256, purged: result.purged, rows })}\n`);
      }),
  },
];
