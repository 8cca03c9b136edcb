import { readFile } from 'node:fs/promises';
import { ExamhallError, ImportInvalidError } from '@examhall/shared';
import { importExamDefinition } from '../../exam/import.js';
import { importQtiPackage } from '../../exam/qti/import-qti.js';
import { importRoster } from '../../roster/roster-import.js';
import { ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS } from '../../roster/roster-csv.js';
import { positiveInt, stringOpt, UsageError, userPath, withDatabase, type CliCommand } from '../command.js';

export const importCommands: CliCommand[] = [
  {
    name: 'import exam',
    args: 'FILE.json',
    summary: 'one exam version from JSON (the ExamDefinition schema in shared/); content and keys stored apart;\nimporting the same version again changes nothing, other content under a stored version is a CONFLICT',
    run: ({ config, positionals }) =>
      withDatabase(config, async (sql) => {
        const file = positionals[0] && userPath(positionals[0]);
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
    name: 'import qti',
    args: 'FILE.zip [--exam-id ID] [--version N]',
    summary: `one exam version from an IMS QTI 3.0 package (imsmanifest.xml, one assessment test; choice,
text entry and extended text items); every problem is listed by file, item and line and nothing is
written on any; the version defaults to the next free one (or the latest, if its content is the same)`,
    options: { 'exam-id': { type: 'string' }, version: { type: 'string' } },
    run: ({ config, values, positionals }) =>
      withDatabase(config, async (sql) => {
        const file = positionals[0] && userPath(positionals[0]);
        if (!file) throw new UsageError('import qti needs a zip file');
        const version = values.version === undefined ? undefined : positiveInt(values.version, 1);
        const result = await importQtiPackage(sql, file, { examId: stringOpt(values, 'exam-id'), version });
        process.stdout.write(`${JSON.stringify(result)}\n`);
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
        const file = positionals[0] && userPath(positionals[0]);
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
