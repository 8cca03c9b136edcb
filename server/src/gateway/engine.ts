import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import uWS from '@trufflesuite/uws-js-unofficial';
import { Server, type ServerOptions } from 'socket.io';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';

export type HttpHandler = () => Promise<{ status: number; body: unknown }>;

/** A Socket.IO server bound to a listening socket, on uWebSockets.js or (fallback) Node's http + ws. */
export interface BoundEngine {
  io: Server;
  engineName: 'uws' | 'ws';
  port: number;
  /** stop accepting new connections; existing sockets stay */
  stopListening(): void;
}

/** The package silently falls back to a JS implementation when its native binary fails to load: detect that. */
export function uwsIsNative(): boolean {
  return Function.prototype.toString.call(uWS.App).includes('[native code]');
}

export async function bindEngine(
  config: Config,
  options: Partial<ServerOptions>,
  routes: Record<string, HttpHandler>,
  logger: Logger,
): Promise<BoundEngine> {
  let engineName = config.WS_ENGINE;
  if (engineName === 'uws' && !uwsIsNative()) {
    if (config.REQUIRE_NATIVE_UWS) throw new Error('uWebSockets.js native binary did not load (REQUIRE_NATIVE_UWS=true)');
    logger.warn('uWebSockets.js native binary did not load; falling back to the ws engine');
    engineName = 'ws';
  }
  return engineName === 'uws' ? bindUws(config, options, routes) : bindWs(config, options, routes);
}

async function bindUws(config: Config, options: Partial<ServerOptions>, routes: Record<string, HttpHandler>): Promise<BoundEngine> {
  const app = uWS.App();
  const io = new Server(options);
  io.attachApp(app);
  for (const [path, handler] of Object.entries(routes)) {
    app.get(path, (res) => {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void handler().then(({ status, body }) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(String(status)).writeHeader('content-type', 'application/json').end(JSON.stringify(body));
        });
      });
    });
  }
  app.any('/*', (res) => void res.writeStatus('404').end());
  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(config.HOST, config.PORT, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${config.HOST}:${config.PORT}`))));
  });
  let listening = true;
  return {
    io,
    engineName: 'uws',
    port: uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket),
    stopListening: () => {
      if (listening) uWS.us_listen_socket_close(listenSocket);
      listening = false;
    },
  };
}

async function bindWs(config: Config, options: Partial<ServerOptions>, routes: Record<string, HttpHandler>): Promise<BoundEngine> {
  const server: HttpServer = createServer((req: IncomingMessage, res) => {
    const handler = routes[(req.url ?? '').split('?')[0] ?? ''];
    // socket.io answers its own path before this listener runs; everything else is ours
    if (!handler || req.method !== 'GET') return void res.writeHead(404).end();
    void handler().then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  const io = new Server(server, options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  return {
    io,
    engineName: 'ws',
    port: (server.address() as AddressInfo).port,
    stopListening: () => server.close(),
  };
}
