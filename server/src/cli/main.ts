import { parseArgs } from 'node:util';
import { ExamhallError, describeProblem, type ImportProblem } from '@examhall/shared';
import { ConfigError, loadConfig } from '../config/config.js';
import { UsageError, type CliCommand } from './command.js';
import { roleCommands } from './commands/roles.js';
import { setupCommands } from './commands/setup.js';
import { importCommands } from './commands/imports.js';
import { accessCommands } from './commands/access.js';
import { timingCommands } from './commands/timing.js';
import { sittingCommands } from './commands/sittings.js';
import { proctorCommands } from './commands/proctors.js';
import { resultCommands } from './commands/results.js';
import { storageCommands } from './commands/storage.js';

/** Every command, grouped as `examhall --help` lists them; a new concern adds its group here. */
const GROUPS: Array<{ title: string; commands: CliCommand[] }> = [
  { title: 'Roles (long-running)', commands: roleCommands },
  { title: 'Database and demo data', commands: setupCommands },
  { title: 'Exam office: imports', commands: importCommands },
  { title: 'Exam office: access', commands: accessCommands },
  { title: 'During a sitting', commands: timingCommands },
  { title: 'Exam office: scheduling sittings', commands: sittingCommands },
  { title: 'Exam office: proctor accounts and token revocation', commands: proctorCommands },
  { title: 'Exam office: results', commands: resultCommands },
  { title: 'Storage: archive and retention', commands: storageCommands },
];

const usageLine = (c: CliCommand) => `  ${c.name}${c.args ? ` ${c.args}` : ''}`;

function usage(): string {
  const body = GROUPS.map((g) => `${g.title}:\n${g.commands.map((c) => `${usageLine(c)}\n${indent(c.summary)}`).join('\n')}`).join('\n\n');
  return `examhall <command> [options]      (examhall <command> --help for one command)\n\n${body}\n\nConfiguration comes from environment variables; see README.md.`;
}

const indent = (text: string) => text.split('\n').map((l) => `      ${l}`).join('\n');

/** The command named by the first one or two words of argv, and the rest of argv. */
function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  const all = GROUPS.flatMap((g) => g.commands);
  for (const words of [2, 1]) {
    const name = argv.slice(0, words).join(' ');
    const command = all.find((c) => c.name === name || c.aliases?.includes(name));
    if (command) return { command, rest: argv.slice(words) };
  }
  return undefined;
}

export async function main(argv: string[]): Promise<void> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') return void process.stdout.write(`${usage()}\n`);
  const found = findCommand(argv);
  if (!found) throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}"; see examhall --help`);
  const { command, rest } = found;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { ...command.options, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) return void process.stdout.write(`${usageLine(command)}\n${indent(command.summary)}\n`);
  await command.run({ config: loadConfig(), values, positionals });
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError || err instanceof ExamhallError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`examhall: ${(err as Error).message}\n`);
    const problems = (err as { problems?: ImportProblem[] }).problems;
    if (Array.isArray(problems)) for (const p of problems.slice(0, 200)) process.stderr.write(`  ${describeProblem(p)}\n`);
    process.exit(2);
  }
  if ((err as { code?: string }).code === '42P01') {
    process.stderr.write(`examhall: ${(err as Error).message}: is DATABASE_SCHEMA migrated? Run: npm run examhall -- migrate\n`);
    process.exit(2);
  }
  process.stderr.write(`examhall: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
