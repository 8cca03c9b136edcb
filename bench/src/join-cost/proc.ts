import { ticksOf } from '../common/cpu.js';
import { socketInodesOf, tcpSockets } from '../common/tcp-sockets.js';

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
  const held = socketInodesOf(pid);
  return new Set(tcpSockets().filter((socket) => held.has(socket.inode)).map((socket) => socket.localPort));
}
