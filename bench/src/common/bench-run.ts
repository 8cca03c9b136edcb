import { join } from 'node:path';
import { setChildLog } from './children.js';

/** A bench's parsed arguments; `--help` prints the usage and exits 0, a bad argument prints why and exits 2. */
export function argsOrExit<A>(name: string, parse: (argv: string[]) => A | 'help', usage: string): A {
  let args: A | 'help';
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${name}: ${(err as Error).message}\n\n${usage}\n`);
    process.exit(2);
  }
  if (args === 'help') {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return args;
}

/**
 * Sends the server and load processes' output to `<dir>/<prefix>-<stamp>.log` and says where; the
 * stamp (the run's start, safe in a file name) names the run's other files too.
 */
export function logChildrenTo(name: string, dir: string, prefix: string): { stamp: string; logPath: string } {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logPath = join(dir, `${prefix}-${stamp}.log`);
  setChildLog(logPath);
  process.stderr.write(`${name}: server and load process output goes to ${logPath}\n`);
  return { stamp, logPath };
}
