import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { EVENTS, NAMESPACES, PROCTOR_SIGN_IN_PATH, SIGN_IN_PATH, randomAnswer, type AnswerCommitted, type JoinReply } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { tokenFor } from './helpers/node.js';
import { envFor, exited, freePort, spawnRole, waitReady } from './helpers/processes.js';
import { connected, rawEmit, rawJoin } from './helpers/raw-client.js';
import { findBinary, haproxyServers, startProxy, type ProxiedRequest, type ProxyKind, type RunningProxy } from './helpers/proxies.js';
import { issueAccessCodes } from '../src/auth/access-codes.js';

/**
 * The committed proxy configs (infra/nginx, infra/haproxy), run by the real Debian nginx and
 * HAProxy in front of two real gateway processes (A also runs the workers; B is a gateway only), prove:
 * health and the routed paths answer through the proxy; a long-polling client stays on one
 * gateway for every request of its session; a WebSocket client (signed in through the proxy with an
 * access code) joins and gets its answer committed; many polling clients from one address each
 * stick to their own gateway and are spread over both (the affinity is per client, not per address).
 * A proxy whose binary is missing is skipped with a message; CI installs both (.ci/run).
 *
 * The gateways are separate processes, as in production: two uWebSockets.js gateways in ONE process
 * do not work for room broadcasts (socket.io's uWS integration patches the adapter prototype with
 * the last app attached, so `answer:committed` reaches only the last gateway's sockets).
 */

const BINARIES: Record<ProxyKind, { path: string | undefined; package: string }> = {
  nginx: { path: findBinary('nginx'), package: 'nginx-light' },
  haproxy: { path: findBinary('haproxy'), package: 'haproxy' },
};
for (const [kind, { path, package: pkg }] of Object.entries(BINARIES)) {
  // CI installs both and must never skip them
  if (!path && process.env.REQUIRE_PROXY_TESTS === '1') throw new Error(`${kind} not found, and REQUIRE_PROXY_TESTS=1 (CI) forbids skipping`);
  if (!path) process.stderr.write(`proxy.test.ts: ${kind} not found, its checks are skipped (apt-get install ${pkg})\n`);
}
const anyProxy = Object.values(BINARIES).some((b) => b.path);

/** Polling clients per proxy in the spread check: all landing on one of two gateways by chance is < 0.1%. */
const SPREAD_CLIENTS = 12;
/** every proxy uses its own candidates: 1 polling + 1 websocket + SPREAD_CLIENTS */
const CANDIDATES_PER_PROXY = 2 + SPREAD_CLIENTS;

let env: TestEnv;
const gateways: ChildProcess[] = [];
/** gateway port → its GATEWAY_ID (what answer_events.gateway_id records) */
const gatewayIdOf = new Map<number, string>();
let gatewayPorts: number[] = [];
const sockets: Socket[] = [];
// a second loopback address as the clients' source: the proxy sees it, the gateways see the proxy
const clientAgent = new Agent({ localAddress: '127.0.0.2', keepAlive: true });

beforeAll(async () => {
  if (!anyProxy) return;
  env = await createTestEnv({}, { candidates: 2 * CANDIDATES_PER_PROXY });
  gatewayPorts = [await freePort(), await freePort()];
  const roles = ['all', 'gateway'] as const;
  gatewayPorts.forEach((port, i) => {
    const id = `${env.config.GATEWAY_ID}-${'ab'[i]}`;
    gatewayIdOf.set(port, id);
    gateways.push(spawnRole(roles[i]!, envFor(env.config, { PORT: String(port), GATEWAY_ID: id })));
  });
  await Promise.all(gatewayPorts.map((port) => waitReady(port)));
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  clientAgent.destroy();
  await Promise.all(
    gateways.map(async (child) => {
      child.kill('SIGTERM'); // the real shutdown path: drain, flush, exit
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    }),
  );
  await env?.cleanup();
});

function candidateClient(proxy: RunningProxy, token: string, transport: 'polling' | 'websocket'): Socket {
  const socket = io(`${proxy.url}${NAMESPACES.candidate}`, {
    transports: [transport],
    // in Node, socket.io-client keeps cookies (the proxy's affinity cookie) only with this
    withCredentials: true,
    agent: clientAgent as unknown as string, // typed as string | boolean in engine.io-client; an http.Agent in Node
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  sockets.push(socket);
  return socket;
}

/** Saves `count` answers one after another (each its own polling request), returning what was saved. */
async function saveAnswers(socket: Socket, reply: JoinReply, count: number): Promise<{ questionId: string; seq: number }[]> {
  const saved: { questionId: string; seq: number }[] = [];
  for (let i = 0; i < count; i++) {
    const question = reply.paper!.questions[i % reply.paper!.questions.length]!;
    const ack = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: i + 1, value: randomAnswer(question) });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    saved.push({ questionId: question.id, seq: i + 1 });
    await new Promise((r) => setTimeout(r, 30));
  }
  return saved;
}

/** The gateways that stored this attempt's answer versions (answer_events.gateway_id), once `count` are committed. */
async function committedGateways(attemptId: string, count: number): Promise<Set<string>> {
  const rows = await waitFor(
    async () => {
      const r = await env.sql.unsafe<{ gateway_id: string }[]>('SELECT gateway_id FROM answer_events WHERE attempt_id = $1', [attemptId]);
      return r.length >= count ? r : undefined;
    },
    15_000,
    `${count} committed answers of attempt ${attemptId}`,
  );
  return new Set(rows.map((r) => r.gateway_id));
}

/** The gateway ports that served the proxied requests of one engine.io session (by its sid). */
function gatewaysOfSession(requests: ProxiedRequest[], sid: string): { count: number; ports: Set<number | undefined> } {
  const mine = requests.filter((r) => r.url.startsWith('/socket.io/') && new URLSearchParams(r.url.split('?')[1] ?? '').get('sid') === sid);
  return { count: mine.length, ports: new Set(mine.map((r) => r.gatewayPort)) };
}

describe.skipIf(!anyProxy)('proxies in front of two gateways', () => {
  for (const kind of ['nginx', 'haproxy'] as const) {
    const binary = BINARIES[kind].path;
    const offset = kind === 'nginx' ? 0 : CANDIDATES_PER_PROXY;
    const candidate = (n: number) => env.seeded.candidateIds[offset + n]!;

    describe.skipIf(!binary)(binary ? `${kind} (${binary})` : `${kind}: not installed (apt-get install ${BINARIES[kind].package}), skipped`, () => {
      let proxy: RunningProxy;
      beforeAll(async () => {
        proxy = await startProxy(kind, binary!, gatewayPorts);
      });
      afterAll(async () => {
        await proxy?.stop();
      });

      it('routes health, metrics, the web apps and sign-in to the gateways, and nothing else', async () => {
        const ready = await fetch(`${proxy.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toMatchObject({ status: 'ready', redis: true, postgres: true, draining: false });
        expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
        const metrics = await fetch(`${proxy.url}/metrics`); // from 127.0.0.1: an internal address
        expect(metrics.status).toBe(200);
        expect(await metrics.text()).toContain('examhall_connections');
        const page = await fetch(`${proxy.url}/exam/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toContain('text/html');
        const root = await fetch(`${proxy.url}/`, { redirect: 'manual' });
        expect(root.status).toBe(302);
        expect(root.headers.get('location')).toBe('/exam/');
        expect((await fetch(`${proxy.url}/not-examhall`)).status).toBe(404);
        const wrongCode = await fetch(`${proxy.url}${SIGN_IN_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sittingId: env.seeded.sittingId, candidateId: candidate(1), accessCode: 'ABCDE-FGHJK' }),
        });
        expect(wrongCode.status).toBe(401);
        const wrongPassword = await fetch(`${proxy.url}${PROCTOR_SIGN_IN_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sittingId: env.seeded.sittingId, proctorId: 'p-nobody', password: 'not a password' }),
        });
        expect(wrongPassword.status).toBe(401);

        if (kind === 'haproxy') {
          // HAProxy's active checks (GET /readyz every 2 s) see both gateways up
          await waitFor(async () => {
            const servers = await haproxyServers(proxy.statsUrl!);
            return servers.length === 2 && servers.every((s) => s.status === 'UP' && s.checkStatus === 'L7OK' && s.checkCode === '200');
          }, 10_000, 'HAProxy to report both gateways UP by their /readyz');
        }
      });

      it('hands a new client an affinity cookie once, and a client that has one keeps it', async () => {
        const handshake = `${proxy.url}/socket.io/?EIO=4&transport=polling`;
        const first = await fetch(handshake);
        expect(first.status).toBe(200);
        const cookie = first.headers.getSetCookie().find((c) => c.startsWith('examhall_gw='));
        expect(cookie, 'Set-Cookie examhall_gw').toBeDefined();
        expect(cookie).toMatch(/HttpOnly/i);
        const again = await fetch(handshake, { headers: { cookie: cookie!.split(';')[0]! } });
        expect(again.status).toBe(200);
        expect(again.headers.getSetCookie().filter((c) => c.startsWith('examhall_gw='))).toEqual([]);
      });

      it('keeps every long-polling request of a session on one gateway', async () => {
        const socket = candidateClient(proxy, await tokenFor(env.config, candidate(0), env.seeded.sittingId), 'polling');
        let disconnected = '';
        socket.on('disconnect', (reason) => (disconnected = reason));
        await connected(socket);
        const reply = await rawJoin(socket);
        const sid = socket.io.engine.id;
        const saved = await saveAnswers(socket, reply, 8);
        // three more round trips (time:sync), each its own polling POST and reply
        for (let i = 0; i < 3; i++) expect((await rawEmit(socket, EVENTS.timeSync, { clientSentAt: Date.now() })).ok).toBe(true);

        expect(socket.io.engine.transport.name).toBe('polling');
        expect(disconnected).toBe('');
        const stored = await committedGateways(reply.attemptId, saved.length);
        expect(stored.size, 'answers of one session stored by one gateway').toBe(1);

        await waitFor(() => gatewaysOfSession(proxy.requests(), sid).count >= 10, 5000, 'the proxy to log the session');
        const session = gatewaysOfSession(proxy.requests(), sid);
        expect(session.ports.size, `gateways that served sid ${sid}`).toBe(1);
        const [port] = [...session.ports];
        expect(gatewayIdOf.get(port!)).toBe([...stored][0]);

        // and stickiness is what makes it work: the other gateway does not know this session
        const otherPort = [...gatewayIdOf.keys()].find((p) => p !== port)!;
        const elsewhere = await fetch(`http://127.0.0.1:${otherPort}/socket.io/?EIO=4&transport=polling&sid=${sid}`);
        expect(elsewhere.status).toBe(400);
        socket.disconnect();
      });

      it('lets a WebSocket client signed in with an access code join and get its answer committed', async () => {
        const [issued] = await issueAccessCodes(env.sql, env.seeded.sittingId, [candidate(1)]);
        const signIn = await fetch(`${proxy.url}${SIGN_IN_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sittingId: env.seeded.sittingId, candidateId: candidate(1), accessCode: issued!.accessCode }),
        });
        expect(signIn.status).toBe(200);
        const { token } = (await signIn.json()) as { token: string };

        const socket = candidateClient(proxy, token, 'websocket');
        await connected(socket);
        expect(socket.io.engine.transport.name).toBe('websocket');
        const reply = await rawJoin(socket);
        const question = reply.paper!.questions[0]!;
        const committed = new Promise<AnswerCommitted>((resolve) => socket.on(EVENTS.answerCommitted, (c: AnswerCommitted) => resolve(c)));
        const ack = await rawEmit(socket, EVENTS.answerSave, { attemptId: reply.attemptId, questionId: question.id, seq: 1, value: randomAnswer(question) });
        expect(ack.ok).toBe(true);
        expect((await committed).items).toContainEqual({ questionId: question.id, seq: 1 });
        const [row] = await env.sql.unsafe<{ seq: string }[]>('SELECT seq FROM answers WHERE attempt_id = $1 AND question_id = $2', [reply.attemptId, question.id]);
        expect(Number(row!.seq)).toBe(1);
        socket.disconnect();
        // the upgrade went through the proxy (logged when the socket closed)
        await waitFor(() => proxy.requests().some((r) => r.status === 101 && r.url.includes('transport=websocket')), 5000, 'the proxy to log the WebSocket');
      });

      it(`keeps each of ${SPREAD_CLIENTS} polling clients from one address on its own gateway, spread over both`, async () => {
        const clients = await Promise.all(
          Array.from({ length: SPREAD_CLIENTS }, async (_, i) => {
            const socket = candidateClient(proxy, await tokenFor(env.config, candidate(2 + i), env.seeded.sittingId), 'polling');
            let disconnected = '';
            socket.on('disconnect', (reason) => (disconnected = reason));
            await connected(socket);
            const reply = await rawJoin(socket);
            const saved = await saveAnswers(socket, reply, 3);
            return { socket, reply, saved, sid: socket.io.engine.id, disconnected: () => disconnected };
          }),
        );
        const chosen = new Set<string>();
        for (const c of clients) {
          expect(c.disconnected()).toBe('');
          const stored = await committedGateways(c.reply.attemptId, c.saved.length);
          expect(stored.size).toBe(1);
          await waitFor(() => gatewaysOfSession(proxy.requests(), c.sid).count >= 4, 5000, `the proxy to log sid ${c.sid}`);
          const session = gatewaysOfSession(proxy.requests(), c.sid);
          expect(session.ports.size, `gateways that served sid ${c.sid}`).toBe(1);
          expect(gatewayIdOf.get([...session.ports][0]!)).toBe([...stored][0]);
          chosen.add([...stored][0]!);
          c.socket.disconnect();
        }
        // per client, not per address: one exam center behind one NAT address still uses every gateway
        expect(chosen.size).toBe(2);
      });
    });
  }
});
