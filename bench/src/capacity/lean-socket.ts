/**
 * The Socket.IO v5 / Engine.IO v4 wire protocol over one `ws` WebSocket, for one namespace, and
 * nothing else: no reconnection, no polling, no binary packets, no buffering. It costs the load
 * generator a fraction of socket.io-client + the SDK, so on a 2-core box the CPU goes to the
 * server being measured. Framing (https://socket.io/docs/v4/socket-io-protocol/):
 *   engine.io: "0{open}" "2" ping → "3" pong, "4<socket.io packet>" message, "1" close
 *   socket.io: "0/nsp,{auth}" connect, "2/nsp,<id>[event, payload]" event, "3/nsp,<id>[reply]" ack, "4/nsp,{error}" connect error
 */
import WebSocket from 'ws';

export class LeanSocketError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class LeanSocket {
  private ws: WebSocket | undefined;
  private nextAckId = 0;
  private readonly acks = new Map<number, (reply: unknown) => void>();
  private readonly handlers = new Map<string, (payload: unknown) => void>();
  private readonly prefix: string;
  /** set when the namespace connect was answered */
  private connected = false;
  onClose: (reason: string) => void = () => {};

  constructor(private readonly namespace: string) {
    this.prefix = `/${namespace.replace(/^\//, '')},`;
  }

  get open(): boolean {
    return this.connected && this.ws?.readyState === WebSocket.OPEN;
  }

  /** WebSocket upgrade, engine.io open, namespace connect with `auth`; rejects with the server's refusal. */
  connect(url: string, auth: object, localAddress: string, timeoutMs: number): Promise<void> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { localAddress, perMessageDeflate: false });
      this.ws = ws;
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve();
      };
      const timer = setTimeout(() => settle(new LeanSocketError('CONNECT_TIMEOUT', `no namespace connect within ${timeoutMs} ms`)), timeoutMs);
      ws.on('error', (err) => settle(new LeanSocketError('SOCKET_ERROR', err.message)));
      ws.on('close', (code) => {
        settle(new LeanSocketError('CLOSED', `closed (${code}) while connecting`));
        const wasConnected = this.connected;
        this.connected = false;
        for (const ack of this.acks.values()) ack(undefined);
        this.acks.clear();
        if (wasConnected) this.onClose(`ws close ${code}`);
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) return;
        const frame = data.toString();
        switch (frame.charCodeAt(0)) {
          case 48: // "0" engine.io open
            ws.send(`40${this.prefix}${JSON.stringify(auth)}`);
            return;
          case 50: // "2" ping
            ws.send('3');
            return;
          case 52: // "4" message
            this.onPacket(frame, settle);
            return;
          case 49: // "1" close
            ws.close();
            return;
        }
      });
    });
  }

  private onPacket(frame: string, settleConnect: (err?: Error) => void): void {
    const type = frame.charCodeAt(1);
    let i = 2;
    if (frame.startsWith(this.prefix, 2)) i += this.prefix.length;
    else if (frame[2] === '/') return; // another namespace's packet
    if (type === 48) {
      // "0" namespace connected
      this.connected = true;
      settleConnect();
    } else if (type === 52) {
      // "4" connect error: { message, data? }
      const body = safeJson(frame.slice(i)) as { message?: string; data?: { code?: string } } | undefined;
      settleConnect(new LeanSocketError(body?.data?.code ?? body?.message ?? 'CONNECT_ERROR', body?.message ?? 'refused'));
    } else if (type === 51) {
      // "3" ack: <id>[reply]
      let j = i;
      while (j < frame.length && frame.charCodeAt(j) >= 48 && frame.charCodeAt(j) <= 57) j++;
      const ack = this.acks.get(Number(frame.slice(i, j)));
      if (!ack) return;
      this.acks.delete(Number(frame.slice(i, j)));
      ack((safeJson(frame.slice(j)) as unknown[] | undefined)?.[0]);
    } else if (type === 49) {
      // "1" the server disconnected this namespace's socket (e.g. another device took over)
      this.ws?.close();
    } else if (type === 50) {
      // "2" event: [name, payload]
      const body = safeJson(frame.slice(i)) as [string, unknown] | undefined;
      if (body) this.handlers.get(body[0])?.(body[1]);
    }
  }

  on(event: string, handler: (payload: unknown) => void): void {
    this.handlers.set(event, handler);
  }

  /** Resolves with the ack's argument, or undefined when the socket closed or `timeoutMs` passed first. */
  emitWithAck(event: string, payload: unknown, timeoutMs: number): Promise<unknown> {
    const ws = this.ws;
    if (!ws || !this.open) return Promise.resolve(undefined);
    const id = this.nextAckId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.acks.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      ws.send(`42${this.prefix}${id}${JSON.stringify([event, payload])}`);
    });
  }

  close(): void {
    this.connected = false;
    this.ws?.terminate();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
