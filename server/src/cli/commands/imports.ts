import { readFile } from 'node:fs/promises';
import { ExamhallError, ImportInvalidError } from '@examhall/shared';
import { importExamDefinition } from '../../exam/import.js';
import { importRoster } from '../../roster/roster-import.js';
import { ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS } from '../../roster/roster-csv.js';
import { stringOpt, UsageError, withDatabase, type CliCommand } from '../command.js';

export const importCommands: CliCommand[] = [
  {
    name: 'import exam',
    args: 'FILE.json',
    summary: 'one exam version from JSON (the ExamDefinition schema in shared/); content and keys stored apart;\nimporting the same version again changes nothing',
    run: ({ config, positionals }) =>
      withDatabase(config, async (sql) => {
        const file = positionals[0];
        if (!file) throw new UsageError('import exam needs a JSON file');
        let input: unknown;
        try {
          input = JSON.parse(await readFile(file, 'utf8'));
        } catch (err) {
          throw new ExamhallError('BAD_REQUEST', `${file} is not readable JSON: ${(err as Error).message}`);
        }
        const created = await importExamDefinition(sql, input);
        const { id, version } = input as { id: string; version: number };
        process.stdout.write(`${JSON.stringify({ examId: id, version, created })}\n`);
      }),
  },
  {
    name: 'import roster',
    aliases: ['import-roster'],
    args: 'FILE.csv [--sitting ID]',
    summary: `districts, centers and candidates (with extra time, batch, slot) from a CSV with the columns
${ROSTER_COLUMNS.join(',')}
and optionally ${ROSTER_OPTIONAL_COLUMNS.join(',')} (slot: morning|afternoon|evening); checked line by line first, written in
one transaction (nothing on any error), upserted by id (re-import updates); --sitting also enrols them`,
    options: { sitting: { type: 'string' } },
    run: ({ config, values, positionals }) =>
      withDatabase(config, async (sql) => {
        const file = positionals[0];
        if (!file) throw new UsageError('import roster needs a CSV file');
        const result = await importRoster(sql, file, {
          sittingId: stringOpt(values, 'sitting'),
          onProgress: (rows) => process.stderr.write(`\rroster: ${rows.toLocaleString('en')} rows written`),
        });
        if (result.errors.length > 0) throw new ImportInvalidError(result.errors);
        const perS = Math.round(result.rows / (result.ms / 1000));
        process.stderr.write('\n');
        process.stdout.write(`${JSON.stringify({ rows: result.rows, districts: result.districts, centers: result.centers, candidates: result.candidates, enrolled: result.enrolled, ms: Math.round(result.ms), rows_per_s: perS })}\n`);
      }),
  },
];
