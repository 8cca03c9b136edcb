import { startSitting } from '../../attempts/start-signal.js';
import { DEFAULT_SEED } from '../../exam/seed.js';
import { cliActor, positiveInt, stringOpt, UsageError, withAttemptServices, type CliCommand } from '../command.js';

const attemptOptions = { attempt: { type: 'string' }, minutes: { type: 'string' }, reason: { type: 'string' } } as const;

export const timingCommands: CliCommand[] = [
  {
    name: 'start',
    args: '--sitting ID',
    summary: 'the start signal of a sitting whose candidates wait in a lobby',
    options: { sitting: { type: 'string' } },
    run: ({ config, values }) =>
      withAttemptServices(config, async ({ sql, attempts }) => {
        const sittingId = stringOpt(values, 'sitting') ?? DEFAULT_SEED.sittingId;
        const started = await startSitting({ sql, ...attempts }, sittingId, cliActor());
        return `sitting ${sittingId} started at ${new Date(started.startedAt).toISOString()}: candidates waiting in the lobby: ${started.attempts}`;
      }),
  },
  ...(['extend', 'pause', 'resume'] as const).map((name): CliCommand => ({
    name,
    args: `--attempt ID${name === 'extend' ? ' --minutes N' : ''} [--reason TEXT]`,
    summary: { extend: 'give one attempt N more minutes', pause: "stop one attempt's clock", resume: "restart one attempt's paused clock" }[name] + ' (audited; the candidate sees it live)',
    options: attemptOptions,
    run: ({ config, values }) =>
      withAttemptServices(config, async ({ attempts }) => {
        const attempt = stringOpt(values, 'attempt');
        if (!attempt) throw new UsageError(`${name} needs --attempt ID`);
        const change = { actor: cliActor(), reason: stringOpt(values, 'reason') };
        const update =
          name === 'extend' ? await attempts.timing.extend(attempt, positiveInt(values.minutes, 0) * 60, change)
          : name === 'pause' ? await attempts.timing.pause(attempt, change)
          : await attempts.timing.resume(attempt, change);
        return `attempt ${attempt}: ${update.reason}, deadline ${update.deadline ? new Date(update.deadline).toISOString() : '-'}${update.paused ? ' (paused)' : ''}`;
      }),
  })),
];
