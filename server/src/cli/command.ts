import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { connectDatabase, type Sql } from '../store/db.js';
import { createAttemptServices, type AttemptServices } from '../attempts/services.js';
import { migrate } from '../store/migrate.js';

export type CliValues = Record<string, string | boolean | undefined>;

/** One CLI command: `examhall <name> [positionals] [--options]`. */
export interface CliCommand {
  /** one or two words: `migrate`, `import roster` */
  name: string;
  /** older spellings that still work (`import-roster`) */
  aliases?: string[];
  /** the arguments after the name, for the usage line */
  args?: string;
  /** what it does, one or a few lines */
  summary: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  run: (ctx: { config: Config; values: CliValues; positionals: string[] }) => Promise<void>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function positiveInt(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`expected a positive whole number, got "${String(value)}"`);
  return n;
}

export const stringOpt = (values: CliValues, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
};

/** `a,b, c` → ['a', 'b', 'c'] */
export const listOpt = (values: CliValues, name: string): string[] =>
  (stringOpt(values, name) ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/**
 * A file name the user typed, made absolute against the folder they typed it in: `npm run examhall`
 * runs the CLI inside server/ (npm workspaces), and npm keeps the caller's folder in INIT_CWD.
 */
export const userPath = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path);

/**
 * Runs `work` with a pool, and always closes it. Only `migrate`, `seed` and `demo` change the schema
 * (`migrate: true`): an office command run against a live database never takes the migration lock.
 */
export async function withDatabase<T>(config: Config, work: (sql: Sql) => Promise<T>, options: { migrate?: boolean } = {}): Promise<T> {
  const sql = connectDatabase(config);
  try {
    if (options.migrate) await migrate(sql, config.DATABASE_SCHEMA);
    return await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function withAttemptServices(config: Config, work: (deps: { sql: Sql; attempts: AttemptServices }) => Promise<string>): Promise<void> {
  const logger = createLogger({ ...config, LOG_LEVEL: 'warn' }, 'cli');
  const sql = connectDatabase(config);
  const attempts = createAttemptServices(config, sql, logger);
  try {
    process.stdout.write(`${await work({ sql, attempts })}\n`);
  } finally {
    await attempts.close();
    await sql.end({ timeout: 5 });
  }
}

/** The audit actor of a change made from the CLI. */
export const cliActor = () => `cli:${process.env.USER ?? 'operator'}`;
