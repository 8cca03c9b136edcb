import { createWriteStream } from 'node:fs';
import { itemStatistics } from '../../results/item-stats.js';
import { gradeEssay, listEssays, type EssayState } from '../../results/essays.js';
import { writeExport } from '../../results/export.js';
import type { ExportFormat, ExportShape } from '../../results/export-format.js';
import { cliActor, positiveInt, stringOpt, UsageError, userPath, withDatabase, type CliCommand, type CliValues } from '../command.js';

const requireOpt = (values: CliValues, name: string, command: string): string => {
  const v = stringOpt(values, name);
  if (!v) throw new UsageError(`${command} needs --${name}`);
  return v;
};

function oneOf<T extends string>(values: CliValues, name: string, allowed: readonly T[], fallback: T): T {
  const v = stringOpt(values, name) ?? fallback;
  if (!allowed.includes(v as T)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

const fixed = (x: number | null) => (x === null ? '-' : x.toFixed(3));

export const resultCommands: CliCommand[] = [
  {
    name: 'results stats',
    args: '--sitting ID [--district D] [--center C] [--json]',
    summary: 'item statistics of the finished attempts: difficulty (p), point-biserial with the rest-score,\nupper–lower 27% index, omit rate, pending essays, option counts (keyed options marked *)',
    options: { sitting: { type: 'string' }, district: { type: 'string' }, center: { type: 'string' }, json: { type: 'boolean' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const sittingId = requireOpt(values, 'sitting', 'results stats');
        const stats = await itemStatistics(sql, sittingId, { district: stringOpt(values, 'district'), center: stringOpt(values, 'center') });
        if (values.json) return void process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        process.stdout.write(`sitting ${sittingId}: ${stats.attempts} finished attempt(s)\nquestion\ttype\tmax\tanswered\tomit\tpending\tp\tr_pbis\tD27\toptions\n`);
        for (const i of stats.items) {
          const options = i.options?.map((o) => `${o.optionId}${o.keyed ? '*' : ''}=${o.count}`).join(' ') ?? '';
          process.stdout.write(`${i.questionId}\t${i.type}\t${i.maxPoints}\t${i.answered}\t${fixed(i.omitRate)}\t${i.pending}\t${fixed(i.difficulty)}\t${fixed(i.pointBiserial)}\t${fixed(i.upperLowerIndex)}\t${options}\n`);
        }
      }),
  },
  {
    name: 'results essays',
    args: '--sitting ID [--question Q] [--state pending|graded|all] [--limit N] [--after CURSOR]',
    summary: 'answered essays waiting for a grade (JSON Lines: attempt, question, text, rubric);\nthe last line on stderr gives the --after of the next page',
    options: { sitting: { type: 'string' }, question: { type: 'string' }, state: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const page = await listEssays(sql, requireOpt(values, 'sitting', 'results essays'), {
          question: stringOpt(values, 'question'),
          state: oneOf<EssayState>(values, 'state', ['pending', 'graded', 'all'], 'pending'),
          after: stringOpt(values, 'after'),
          limit: Math.min(positiveInt(values.limit, 100), 10_000),
        });
        for (const e of page.essays) process.stdout.write(`${JSON.stringify(e)}\n`);
        process.stderr.write(`${page.essays.length} essay(s)${page.next ? `; next page: --after '${page.next}'` : ''}\n`);
      }),
  },
  {
    name: 'results grade',
    args: '--attempt A --question Q --points N [--comment TEXT]',
    summary: "grade (or re-grade) an essay of a finished attempt; audited; the attempt's score is recomputed",
    options: { attempt: { type: 'string' }, question: { type: 'string' }, points: { type: 'string' }, comment: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const raw = requireOpt(values, 'points', 'results grade');
        const points = Number(raw);
        if (raw.trim() === '' || !Number.isFinite(points)) throw new UsageError(`--points must be a number, got "${raw}"`);
        const outcome = await gradeEssay(sql, {
          attemptId: requireOpt(values, 'attempt', 'results grade'),
          questionId: requireOpt(values, 'question', 'results grade'),
          points,
          comment: stringOpt(values, 'comment'),
          actor: cliActor(),
        });
        process.stdout.write(`${JSON.stringify(outcome)}\n`);
      }),
  },
  {
    name: 'results export',
    args: '--sitting ID [--district D] [--center C] [--format csv|json] [--shape wide|long] [--out FILE]',
    summary: 'stream the results as CSV or JSON Lines (one row per attempt, or per attempt × question with\n--shape long) to FILE or stdout; progress on stderr',
    options: { sitting: { type: 'string' }, district: { type: 'string' }, center: { type: 'string' }, format: { type: 'string' }, shape: { type: 'string' }, out: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const out = stringOpt(values, 'out');
        const path = out && userPath(out);
        let reported = 0;
        const result = await writeExport(sql, {
          sittingId: requireOpt(values, 'sitting', 'results export'),
          district: stringOpt(values, 'district'),
          center: stringOpt(values, 'center'),
          format: oneOf<ExportFormat>(values, 'format', ['csv', 'json'], 'csv'),
          shape: oneOf<ExportShape>(values, 'shape', ['wide', 'long'], 'wide'),
          onProgress: (rows) => {
            if (rows - reported < 10_000) return;
            reported = rows;
            process.stderr.write(`${rows} rows\n`);
          },
        }, () => (path ? createWriteStream(path) : process.stdout), { end: Boolean(path) });
        process.stderr.write(`${result.rows} rows in ${(result.ms / 1000).toFixed(1)} s${path ? ` to ${path}` : ''}\n`);
      }),
  },
];
