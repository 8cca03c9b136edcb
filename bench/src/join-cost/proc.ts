import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** utime + stime of a process in ms (USER_HZ = 100 on every mainstream Linux), 0 when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

export const sumCpuMs = (pids: number[]) => pids.reduce((n, pid) => n + cpuMs(pid), 0);

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
