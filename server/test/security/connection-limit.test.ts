import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, tokenFor, type TestNode } from '../helpers/node.js';
import { connectRefusal, connected, rawConnect, rawJoin, rawProctor } from '../helpers/raw-client.js';
import { Opened, auditRow, disconnection } from './helpers.js';

/**
 * MAX_CONNECTIONS_PER_ADDRESS: beyond it a connection gets the retryable TOO_MANY_CONNECTIONS; a
 * closed connection frees its place; X-Forwarded-For counts only when it comes from TRUSTED_PROXIES.
 */
const LIMIT = 3;
let env: TestEnv;
const opened = new Opened();
const token = (n: number) => tokenFor(env.config, env.seeded.candidateIds[n]!, env.seeded.sittingId);

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const connectAs = (node: TestNode, tok: string, forwardedFor?: string): Socket =>
  opened.socket(rawConnect(node.port, tok, forwardedFor ? { extraHeaders: { 'X-Forwarded-For': forwardedFor } } : {}));

describe('connections per address', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await opened.node(env.config, 'all', { MAX_CONNECTIONS_PER_ADDRESS: LIMIT, GATEWAY_ID: `${env.config.GATEWAY_ID}-direct` });
  });

  it('refuses the connection past the limit with the retryable TOO_MANY_CONNECTIONS, on both namespaces', async () => {
    const held: Socket[] = [];
    for (let n = 0; n < LIMIT; n++) {
      const s = connectAs(node, await token(n));
      await connected(s);
      held.push(s);
    }
    await rawJoin(held[0]!); // the held connections work
    const refused = await connectRefusal(connectAs(node, await token(LIMIT)));
    expect(refused.data).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', retryable: true });
    const proctor = opened.socket(rawProctor(node.port, await proctorTokenFor(env.config, 'p1', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] })));
    expect((await connectRefusal(proctor)).data).toMatchObject({ code: 'TOO_MANY_CONNECTIONS', retryable: true });
    // a forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing
    expect((await connectRefusal(connectAs(node, await token(LIMIT), '203.0.113.7'))).data).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });

    // a disconnect releases its place (and so did every refused connection: the client closed it)
    const gone = disconnection(held[0]!);
    held[0]!.disconnect();
    await gone;
    const again = await waitFor(async () => {
      const s = connectAs(node, await token(LIMIT));
      try {
        await connected(s);
        return s;
      } catch {
        s.disconnect();
        return undefined;
      }
    }, 10_000, 'a place to be released');
    expect((await rawJoin(again)).attemptId).toBeTruthy();
    for (const s of [...held, again]) s.disconnect();
  });

  it('audits the refusals once per address, with the limit', async () => {
    const row = await auditRow(env, 'security.too_many_connections', 'address:127.0.0.1');
    expect(row.details).toMatchObject({ limit: LIMIT });
    const [count] = await env.sql.unsafe('SELECT count(*)::int AS n FROM audit_log WHERE action = $1', ['security.too_many_connections']);
    expect(count!.n).toBe(1);
  });
});

describe('behind a trusted proxy', () => {
  it('counts each forwarded client address on its own', async () => {
    const node = await opened.node(env.config, 'all', {
      MAX_CONNECTIONS_PER_ADDRESS: LIMIT,
      TRUSTED_PROXIES: ['127.0.0.1'],
      GATEWAY_ID: `${env.config.GATEWAY_ID}-proxied`,
    });
    // one exam center behind its NAT: LIMIT connections, then refused
    for (let n = 0; n < LIMIT; n++) await connected(connectAs(node, await token(10 + n), '198.51.100.20'));
    expect((await connectRefusal(connectAs(node, await token(13), '198.51.100.20'))).data).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    // another center is not affected by the first one's count, nor is the proxy's own address
    await connected(connectAs(node, await token(13), '198.51.100.21'));
    await connected(connectAs(node, await token(14)));
    // the right-most untrusted hop is the client: a prefix the client wrote itself does not help
    expect((await connectRefusal(connectAs(node, await token(15), '10.9.9.9, 198.51.100.20'))).data).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
  });
});
