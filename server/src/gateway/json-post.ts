import type { IncomingMessage, ServerResponse } from 'node:http';
import type uWS from '@trufflesuite/uws-js-unofficial';
import type { AddressResolver } from './client-address.js';

/** A POST route taking a small JSON body; `address` is the client's IP as the socket sees it. */
export type PostHandler = (body: unknown, address: string) => Promise<{ status: number; body: unknown }>;

/** Bodies above this are refused (413): the only POST is a sign-in of a few dozen bytes. */
const MAX_BODY_BYTES = 4096;

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Mounts a JSON POST route on uWebSockets.js: the body arrives in chunks, and the response may be aborted meanwhile. */
export function mountJsonPost(app: uWS.TemplatedApp, path: string, handler: PostHandler, resolve: AddressResolver): void {
  app.post(path, (res, req) => {
    const address = resolve(Buffer.from(res.getRemoteAddressAsText()).toString(), req.getHeader('x-forwarded-for') || undefined);
    const jsonBody = req.getHeader('content-type').startsWith('application/json');
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const reply = (status: number, body: unknown) => {
      if (aborted) return;
      res.cork(() => res.writeStatus(String(status)).writeHeader('content-type', 'application/json').writeHeader('cache-control', 'no-store').end(JSON.stringify(body)));
    };
    if (!jsonBody) return reply(415, { error: 'send application/json' });
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((chunk, last) => {
      size += chunk.byteLength;
      if (size > MAX_BODY_BYTES) {
        if (!aborted) res.cork(() => res.writeStatus('413').end());
        aborted = true;
        return;
      }
      chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the chunk's memory after this call
      if (last && !aborted) void handler(parseJson(Buffer.concat(chunks)), address).then(({ status, body }) => reply(status, body));
    });
  });
}

/** The same for Node's http server (the `ws` fallback engine). */
export function handleJsonPost(req: IncomingMessage, res: ServerResponse, handler: PostHandler, resolve: AddressResolver): void {
  const address = resolve(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for']);
  const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return void send(415, { error: 'send application/json' });
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_BODY_BYTES) return;
    void handler(parseJson(Buffer.concat(chunks)), address).then(({ status, body }) => send(status, body));
  });
}
