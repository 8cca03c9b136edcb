import { ExamhallError } from '@examhall/shared';
import type { z } from 'zod';
import { enrolCandidates } from '../../sittings/enrolments.js';
import { EnrolmentRequest, SittingCreate, SittingPatch, type SittingView } from '../../sittings/sitting-schemas.js';
import { createSitting, getSitting, sittingViews, updateSitting } from '../../sittings/sittings-service.js';
import { cliActor, listOpt, stringOpt, UsageError, withAttemptServices, withDatabase, type CliCommand, type CliValues } from '../command.js';
import { movesDeadlines, retimeRunningAttempts } from '../../sittings/retime.js';
import { createLogger } from '../../observability/logger.js';

const scheduleOptions = {
  exam: { type: 'string' }, 'exam-version': { type: 'string' }, title: { type: 'string' }, opens: { type: 'string' }, closes: { type: 'string' },
  duration: { type: 'string' }, grace: { type: 'string' }, 'start-mode': { type: 'string' }, slot: { type: 'string' },
} as const;
const scheduleArgs = '--exam ID --exam-version N --title T --opens ISO --closes ISO --duration MIN [--grace S] [--start-mode on_join|signal] [--slot morning|afternoon|evening|none]';

/** The schedule options given, in the API's field names (numbers as numbers; `--slot none` clears it). */
function scheduleFields(values: CliValues): Record<string, unknown> {
  const num = (name: string) => (values[name] === undefined ? undefined : Number(values[name]));
  const slot = stringOpt(values, 'slot');
  const fields: Record<string, unknown> = {
    examId: stringOpt(values, 'exam'), examVersion: num('exam-version'), title: stringOpt(values, 'title'),
    opensAt: stringOpt(values, 'opens'), closesAt: stringOpt(values, 'closes'), durationMinutes: num('duration'),
    graceSeconds: num('grace'), startMode: stringOpt(values, 'start-mode'), slot: slot === 'none' ? null : slot,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

/** API field → CLI option, so that a refusal names what the operator typed. */
const OPTION_OF: Record<string, string> = {
  examId: '--exam', examVersion: '--exam-version', opensAt: '--opens', closesAt: '--closes', durationMinutes: '--duration',
  graceSeconds: '--grace', startMode: '--start-mode', override: '--override', candidates: '--candidate',
};

/** The same zod schema as the API, with its problems as one BAD_REQUEST naming the options. */
function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const where = (path: PropertyKey[]) => OPTION_OF[String(path[0])] ?? (path.length ? `--${String(path[0])}` : 'input');
  throw new ExamhallError('BAD_REQUEST', parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`).join('; '));
}

const printSitting = (s: SittingView) => process.stdout.write(`${JSON.stringify(s)}\n`);

export const sittingCommands: CliCommand[] = [
  {
    name: 'sitting create',
    args: `--id ID ${scheduleArgs}`,
    summary: 'schedule a sitting of a stored exam version (times in ISO 8601 with an offset; duration in minutes); prints it as JSON',
    options: { id: { type: 'string' }, ...scheduleOptions },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const input = parse(SittingCreate, { id: stringOpt(values, 'id'), ...scheduleFields(values) });
        printSitting(await createSitting(sql, input, { actor: cliActor() }));
      }),
  },
  {
    name: 'sitting update',
    args: 'ID [any of the create options] [--override "REASON"]',
    summary: 'change a sitting; while it is live its exam and timing are frozen (CHANGE_FROZEN) unless --override\ngives a reason, which is audited (the title and slot may always change); a new duration or window\nmoves the deadlines of attempts already running, and their candidates see it at once',
    options: { ...scheduleOptions, override: { type: 'string' } },
    run: ({ config, values, positionals }) =>
      withAttemptServices(config, async ({ sql, attempts }) => {
        const id = positionals[0];
        if (!id) throw new UsageError('sitting update needs the sitting id');
        const reason = stringOpt(values, 'override');
        const patch = parse(SittingPatch, { ...scheduleFields(values), ...(reason !== undefined ? { override: { reason } } : {}) });
        if (Object.keys(patch).filter((k) => k !== 'override').length === 0) throw new UsageError('sitting update: nothing to change; give at least one option');
        const actor = cliActor();
        const view = await updateSitting(sql, id, patch, { actor });
        if (!movesDeadlines(patch)) return JSON.stringify(view);
        // running attempts follow the new duration or window at once (their candidates are told)
        const logger = createLogger({ ...config, LOG_LEVEL: 'warn' }, 'cli');
        const retimedAttempts = await retimeRunningAttempts({ sql, logger, attempts }, id, { actor, reason: reason ?? 'sitting timing changed' });
        return JSON.stringify({ ...view, retimedAttempts });
      }),
  },
  {
    name: 'sitting list',
    args: '[--slot S] [--exam ID]',
    summary: 'the sittings by opening time: window, live or not, enrolled / in lobby / in progress / finished',
    options: { slot: { type: 'string' }, exam: { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const rows = await sittingViews(sql, { slot: stringOpt(values, 'slot'), examId: stringOpt(values, 'exam') });
        const table = [['id', 'exam', 'slot', 'opens', 'closes', 'min', 'live', 'enrolled', 'lobby', 'running', 'finished']];
        for (const s of rows) {
          table.push([s.id, `${s.examId}@${s.examVersion}`, s.slot ?? '-', s.opensAt, s.closesAt, String(s.durationMinutes), s.live ? 'live' : '-',
            String(s.counts.enrolled), String(s.counts.inLobby), String(s.counts.inProgress), String(s.counts.finished)]);
        }
        const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
        process.stdout.write(`${table.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`);
      }),
  },
  {
    name: 'sitting show',
    args: 'ID',
    summary: 'one sitting with its counts, as JSON',
    run: ({ config, positionals }) =>
      withDatabase(config, async (sql) => {
        if (!positionals[0]) throw new UsageError('sitting show needs the sitting id');
        printSitting(await getSitting(sql, positionals[0]));
      }),
  },
  {
    name: 'sitting enrol',
    aliases: ['sitting enroll'],
    args: 'ID (--candidate C1,C2 | [--batch B] [--slot S] [--center C] [--district D])',
    summary: 'enrol candidates by id, or every roster candidate matching all the attributes given; again is harmless',
    options: { candidate: { type: 'string' }, batch: { type: 'string' }, slot: { type: 'string' }, center: { type: 'string' }, district: { type: 'string' } },
    run: ({ config, values, positionals }) =>
      withDatabase(config, async (sql) => {
        const id = positionals[0];
        if (!id) throw new UsageError('sitting enrol needs the sitting id');
        const candidates = listOpt(values, 'candidate');
        const request = parse(EnrolmentRequest, {
          candidates: candidates.length > 0 ? candidates : undefined,
          batch: stringOpt(values, 'batch'), slot: stringOpt(values, 'slot'), center: stringOpt(values, 'center'), district: stringOpt(values, 'district'),
        });
        const result = await enrolCandidates(sql, id, request, cliActor());
        process.stdout.write(`${JSON.stringify({ sitting: id, ...result })}\n`);
      }),
  },
];
