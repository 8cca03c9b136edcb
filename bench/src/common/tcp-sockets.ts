import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** One row of /proc/net/tcp{,6}: the local port, the state (0A = LISTEN) and the socket's inode. */
export interface TcpSocket {
  localPort: number;
  listening: boolean;
  inode: string;
}

/** Every TCP socket of this machine (IPv4 and IPv6), from /proc/net. */
export function tcpSockets(): TcpSocket[] {
  const sockets: TcpSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (!f[1] || !f[9]) continue;
      sockets.push({ localPort: parseInt(f[1].split(':')[1]!, 16), listening: f[3] === '0A', inode: f[9] });
    }
  }
  return sockets;
}

/** The inodes of the sockets `pid` holds open (empty when it is gone). */
export function socketInodesOf(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith('socket:[')) inodes.add(target.slice(8, -1));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}
