import { readFileSync } from 'node:fs';

/** Resident set size of one process in KB (VmRSS), or undefined when it is gone. */
export function rssKb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Proportional set size in KB: shared pages divided among the processes sharing them. Postgres
 * backends share one large buffer cache, so their summed RSS would count it once per backend.
 * Falls back to RSS where smaps_rollup is not readable.
 */
export function pssKb(pid: number): number | undefined {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) : rssKb(pid);
  } catch {
    return rssKb(pid);
  }
}

export function sumKb(pids: number[], read: (pid: number) => number | undefined): number {
  let total = 0;
  for (const pid of pids) total += read(pid) ?? 0;
  return total;
}
