import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = 'up' | 'paused' | 'down';

interface Pair {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP proxy in front of the shared Postgres or Redis, so that a test can make the dependency slow
 * or unreachable for one node without touching the instance everybody else uses:
 * - pause(): stop forwarding in both directions (connections stay open, nothing answers: "hung");
 *   connections opened meanwhile are held the same way,
 * - cut(): destroy every connection and drop new ones as soon as they arrive ("down"),
 * - restore(): forward again (held bytes flow on; new connections go through).
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private mode: Mode = 'up';

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  static async start(target: { host?: string; port: number }): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as { port: number };
    return new TcpProxy(server, port, { host: target.host ?? '127.0.0.1', port: target.port });
  }

  /** `url` with its host and port replaced by this proxy's. */
  urlFor(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get connections(): number {
    return this.pairs.size;
  }

  pause(): void {
    this.mode = 'paused';
    for (const pair of this.pairs) hold(pair);
  }

  cut(): void {
    this.mode = 'down';
    for (const pair of this.pairs) destroy(pair);
    this.pairs.clear();
  }

  restore(): void {
    this.mode = 'up';
    for (const pair of this.pairs) forward(pair);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    upstream.pause();
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      if (this.pairs.delete(pair)) destroy(pair);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    if (this.mode === 'up') forward(pair);
  }
}

function forward({ client, upstream }: Pair): void {
  client.pipe(upstream);
  upstream.pipe(client);
}

function hold({ client, upstream }: Pair): void {
  client.unpipe(upstream);
  upstream.unpipe(client);
  client.pause();
  upstream.pause();
}

function destroy({ client, upstream }: Pair): void {
  client.destroy();
  upstream.destroy();
}
