import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { ticksOf } from '../common/cpu.js';

/** utime + stime of a process in ms (USER_HZ = 100), 0 when it is gone. */
const cpuMs = (pid: number): number => (ticksOf(pid) ?? 0) * 10;

/** CPU ms per pid, to difference over an interval (a pid that appears later counts from zero). */
export function cpuSnapshot(pids: number[]): Map<number, number> {
  return new Map(pids.map((pid) => [pid, cpuMs(pid)]));
}

export function cpuDelta(before: Map<number, number>, pids: number[]): number {
  return pids.reduce((n, pid) => n + cpuMs(pid) - (before.get(pid) ?? 0), 0);
}

/** Local TCP ports of the sockets `pid` holds: matches Postgres backends' client_port to our processes. */
export function localPortsOf(pid: number): Set<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    return new Set();
  }
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[9] && inodes.has(f[9])) ports.add(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}
