import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import uWS from '@trufflesuite/uws-js-unofficial';
import { Server, type ServerOptions } from 'socket.io';
import type { Config } from '../config/config.js';
import type { Logger } from '../observability/logger.js';
import { encodingFor, resolveStatic, type StaticFile } from './static-site.js';
import { handleJsonPost, mountJsonPost, type PostHandler } from './json-post.js';
import { addressResolver } from './client-address.js';

/** A GET route: a JSON body, or a text body with its content type (Prometheus metrics). */
export type HttpHandler = () => Promise<{ status: number; body: unknown; contentType?: string }>;

function encodeBody(body: unknown, contentType: string | undefined): { type: string; text: string } {
  return contentType && typeof body === 'string' ? { type: contentType, text: body } : { type: 'application/json', text: JSON.stringify(body) };
}

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
  site: Map<string, StaticFile> = new Map(),
  posts: Record<string, PostHandler> = {},
): Promise<BoundEngine> {
  let engineName = config.WS_ENGINE;
  if (engineName === 'uws' && !uwsIsNative()) {
    if (config.REQUIRE_NATIVE_UWS) throw new Error('uWebSockets.js native binary did not load (REQUIRE_NATIVE_UWS=true)');
    logger.warn('uWebSockets.js native binary did not load; falling back to the ws engine');
    engineName = 'ws';
  }
  const surface = { routes, site, posts };
  return engineName === 'uws' ? bindUws(config, options, surface) : bindWs(config, options, surface);
}

/** What the gateway answers over plain HTTP besides Socket.IO. */
interface HttpSurface {
  routes: Record<string, HttpHandler>;
  site: Map<string, StaticFile>;
  posts: Record<string, PostHandler>;
}

const STATIC_HEADERS = { 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff', vary: 'accept-encoding' };

async function bindUws(config: Config, options: Partial<ServerOptions>, { routes, site, posts }: HttpSurface): Promise<BoundEngine> {
  const app = uWS.App();
  const io = new Server(options);
  io.attachApp(app);
  for (const [path, handler] of Object.entries(routes)) {
    app.get(path, (res) => {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      void handler().then(({ status, body, contentType }) => {
        if (aborted) return;
        const { type, text } = encodeBody(body, contentType);
        res.cork(() => {
          res.writeStatus(String(status)).writeHeader('content-type', type).end(text);
        });
      });
    });
  }
  const resolve = addressResolver(config.TRUSTED_PROXIES);
  for (const [path, handler] of Object.entries(posts)) mountJsonPost(app, path, handler, resolve);
  app.get('/*', (res, req) => {
    const found = resolveStatic(site, req.getUrl());
    if (!found) return void res.writeStatus('404').end();
    const acceptEncoding = req.getHeader('accept-encoding');
    res.cork(() => {
      if ('redirect' in found) return void res.writeStatus('302').writeHeader('location', found.redirect).end();
      const { body, encoding } = encodingFor(found, acceptEncoding);
      res.writeStatus('200').writeHeader('content-type', found.contentType);
      if (encoding) res.writeHeader('content-encoding', encoding);
      for (const [name, value] of Object.entries(STATIC_HEADERS)) res.writeHeader(name, value);
      res.end(body);
    });
  });
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

async function bindWs(config: Config, options: Partial<ServerOptions>, { routes, site, posts }: HttpSurface): Promise<BoundEngine> {
  const resolve = addressResolver(config.TRUSTED_PROXIES);
  const server: HttpServer = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const handler = routes[path];
    // socket.io answers its own path before this listener runs; everything else is ours
    const post = posts[path];
    if (req.method === 'POST' && post) return handleJsonPost(req, res, post, resolve);
    if (req.method !== 'GET') return void res.writeHead(404).end();
    if (!handler) {
      const found = resolveStatic(site, path);
      if (!found) return void res.writeHead(404).end();
      if ('redirect' in found) return void res.writeHead(302, { location: found.redirect }).end();
      const { body, encoding } = encodingFor(found, req.headers['accept-encoding']);
      return void res.writeHead(200, { 'content-type': found.contentType, ...(encoding ? { 'content-encoding': encoding } : {}), ...STATIC_HEADERS }).end(body);
    }
    void handler().then(({ status, body, contentType }) => {
      const { type, text } = encodeBody(body, contentType);
      res.writeHead(status, { 'content-type': type }).end(text);
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
