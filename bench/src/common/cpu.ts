import { readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { pidsOf } from './children.js';

/**
 * CPU per role from /proc (Linux), so a run says by itself what it was limited by: on a 2-core
 * box the load generator, the gateway, the worker, Postgres and Redis all compete for the same cores.
 */
const TICKS_PER_SECOND = 100; // USER_HZ; 100 on every mainstream Linux

export type Groups = Record<string, () => number[]>;

interface Reading {
  at: number;
  ticks: Map<number, number>; // pid → utime + stime
}

/** utime + stime of a process in ticks (USER_HZ), undefined when it is gone. */
export function ticksOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state is [0], utime [11], stime [12]
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined; // gone
  }
}

/** Pids whose command name is `comm` (postgres backends, redis-server): not ours, only read. */
export function pidsByName(comm: string): number[] {
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
function hostTicks(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!; // "cpu  user nice system idle iowait irq softirq steal ..."
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3]! - v[4]!, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export class CpuSampler {
  private last: Map<string, Reading> = new Map();
  private lastHost = hostTicks();

  constructor(private readonly groups: Groups) {}

  private read(group: string): Reading {
    const ticks = new Map<number, number>();
    for (const pid of this.groups[group]!()) {
      const t = ticksOf(pid);
      if (t !== undefined) ticks.set(pid, t);
    }
    return { at: performance.now(), ticks };
  }

  /** Starts a measurement interval for every group. */
  mark(): void {
    for (const group of Object.keys(this.groups)) this.last.set(group, this.read(group));
    this.lastHost = hostTicks();
  }

  /**
   * CPU % (100 = one core) per group since the last mark(); new pids count from zero.
   * `other` is everything else the machine did meanwhile (other people's tests...): when it is
   * large, the run did not have the box to itself and its numbers say little.
   */
  sinceMark(): Record<string, number> {
    const result: Record<string, number> = {};
    const host = hostTicks();
    for (const group of Object.keys(this.groups)) {
      const before = this.last.get(group);
      const now = this.read(group);
      if (!before) continue;
      let ticks = 0;
      for (const [pid, t] of now.ticks) ticks += t - (before.ticks.get(pid) ?? 0);
      const seconds = (now.at - before.at) / 1000;
      result[group] = seconds > 0 ? Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) : 0;
    }
    const total = host.total - this.lastHost.total;
    if (total > 0) {
      const cores = availableParallelism();
      const hostPct = Math.round(((host.busy - this.lastHost.busy) / total) * 100 * cores);
      const ours = Object.values(result).reduce((a, b) => a + b, 0);
      result.other = Math.max(0, hostPct - ours);
      result.host = hostPct;
    }
    return result;
  }
}

/** CPU groups of a benchmark run: each role of the stack, the load processes, Postgres, Redis, the orchestrator. */
export function stackCpuGroups(extraRoles: Array<'baseline' | 'proctors'> = []): Groups {
  const groups: Groups = {
    gateway: () => pidsOf('gateway'),
    worker: () => pidsOf('worker'),
    load: () => pidsOf('load'),
  };
  for (const role of extraRoles) groups[role] = () => pidsOf(role);
  return {
    ...groups,
    postgres: () => pidsByName('postgres'),
    redis: () => pidsByName('redis-server'),
    bench: () => [process.pid],
  };
}
