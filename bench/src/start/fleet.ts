import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoadFleet } from '../common/fleet.js';
import { zeroStartCounters, type FromLoad, type StartCounters, type ToLoad } from './ipc.js';

const LOAD_MODULE = join(dirname(fileURLToPath(import.meta.url)), 'load-process.ts');

export type StartFleet = LoadFleet<FromLoad, ToLoad, StartCounters>;

/** The start bench's load processes. */
export function startStartFleet(count: number): Promise<StartFleet> {
  return LoadFleet.start<FromLoad, ToLoad, StartCounters>(count, LOAD_MODULE, zeroStartCounters);
}
