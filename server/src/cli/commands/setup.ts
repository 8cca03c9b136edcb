import { migrate } from '../../store/migrate.js';
import { DEFAULT_SEED, seedDemo } from '../../exam/seed.js';
import { positiveInt, stringOpt, withDatabase, type CliCommand } from '../command.js';
import { startModeOf } from './roles.js';

export const setupCommands: CliCommand[] = [
  {
    name: 'migrate',
    summary: 'apply numbered SQL migrations to DATABASE_SCHEMA',
    run: ({ config }) =>
      withDatabase(config, async (sql) => {
        const result = await migrate(sql, config.DATABASE_SCHEMA);
        process.stdout.write(`migrations applied: ${result.applied.length ? result.applied.join(', ') : 'none (up to date)'}\n`);
      }),
  },
  {
    name: 'seed',
    args: '[--candidates N] [--sitting ID] [--start-mode on_join|signal]',
    summary: 'demo districts, centers, a 20-question exam, one sitting, N candidates',
    options: { candidates: { type: 'string' }, sitting: { type: 'string' }, 'start-mode': { type: 'string' } },
    run: ({ config, values }) =>
      withDatabase(config, async (sql) => {
        const seeded = await seedDemo(sql, {
          candidates: positiveInt(values.candidates, DEFAULT_SEED.candidates),
          sittingId: stringOpt(values, 'sitting') ?? DEFAULT_SEED.sittingId,
          startMode: startModeOf(stringOpt(values, 'start-mode')),
        });
        process.stdout.write(`seeded sitting ${seeded.sittingId} with ${seeded.candidateIds.length} candidates\n`);
      }, { migrate: true }),
  },
];
