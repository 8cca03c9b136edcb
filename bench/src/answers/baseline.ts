/**
 * The bare limit: Socket.IO 4.8 on uWebSockets.js with one echo handler, driven by the same load
 * processes with plain socket.io-client sockets (one emit-with-ack in flight each). Our answer
 * rate reads as a fraction of this number on the same box.
 */
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { forkTs, stopChild, type Child } from '../common/children.js';
import type { ToLoad } from './ipc.js';
import { sleep } from './candidate.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Roughly what an `answer:save` frame carries, so the echo moves comparable bytes. */
const PAYLOAD = {
  attemptId: '0b7d4a52-3f0e-4c1e-9a57-6f0a3c1e2b4d',
  questionId: 'q07',
  seq: 1234,
  value: { kind: 'choice', optionIds: ['q07-a', 'q07-c'] },
};

export interface BaselineServer {
  url: string;
  child: Child;
  stop(): Promise<void>;
}

/** Forks baseline-server.ts and waits for the port it listens on. */
export async function startBaselineServer(): Promise<BaselineServer> {
  const child = forkTs('baseline-server', 'baseline', join(here, 'baseline-server.ts'));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('baseline server did not start within 30 s')), 30_000);
    child.proc.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m.port === 'number') resolve(m.port);
      else reject(new Error(`baseline server: ${JSON.stringify(m)}`));
    });
    void child.exited.then((code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}`, child, stop: () => stopChild(child, 5000) };
}

type BaselineCommand = Extract<ToLoad, { type: 'baseline' }>;

/** In a load process: connect `sockets` clients, then echo as fast as acks come back during the window. */
export async function runBaselineClients(cmd: BaselineCommand): Promise<{ roundtrips: number; windowMs: number; connected: number; errors: number }> {
  const sockets: Socket[] = [];
  let errors = 0;
  let connected = 0;
  const started = Date.now();
  for (let i = 0; i < cmd.sockets; i++) {
    const due = started + (i * 1000) / cmd.connectPerSec;
    if (due > Date.now()) await sleep(due - Date.now());
    const socket = io(cmd.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: cmd.sourceIps[i % cmd.sourceIps.length],
    } as Record<string, unknown>);
    socket.on('connect', () => connected++);
    socket.on('connect_error', () => errors++);
    sockets.push(socket);
  }
  const endAt = cmd.startAt + cmd.seconds * 1000;
  if (cmd.startAt > Date.now()) await sleep(cmd.startAt - Date.now());
  let roundtrips = 0;
  await Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (!socket.connected) return resolve();
          const once = () => {
            if (Date.now() >= endAt || !socket.connected) return resolve();
            socket.emit('echo', PAYLOAD, () => {
              if (Date.now() <= endAt) roundtrips++;
              once();
            });
          };
          socket.on('disconnect', () => resolve());
          once();
        }),
    ),
  );
  for (const socket of sockets) socket.disconnect();
  return { roundtrips, windowMs: endAt - cmd.startAt, connected, errors };
}
