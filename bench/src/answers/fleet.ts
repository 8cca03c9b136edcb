import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadFleet } from '../common/fleet.js';
import { zeroCounters, type Counters, type FromLoad, type ToLoad } from './ipc.js';

const LOAD_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'load-process.ts');

export type AnswersFleet = LoadFleet<FromLoad, ToLoad, Counters>;

/** The answer bench's load processes. */
export function startAnswersFleet(count: number): Promise<AnswersFleet> {
  return LoadFleet.start<FromLoad, ToLoad, Counters>(count, LOAD_MODULE, zeroCounters);
}
