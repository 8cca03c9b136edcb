import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { NAMESPACES, TOKEN_AUDIENCE, TOKEN_ISSUER, type ProtocolError } from '@examhall/shared';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, tokenFor, type TestNode } from '../helpers/node.js';
import { envFor, exited, freePort, spawnRole, waitReady } from '../helpers/processes.js';
import { connectRefusal, connected, rawConnect, rawProctor } from '../helpers/raw-client.js';
import { io } from 'socket.io-client';
import { Opened, auditRow } from './helpers.js';

/**
 * Tokens and origins at the handshake. The candidate namespace's basic token table (no token,
 * garbage, expired, wrong audience, wrong key, alg none) is in gateway.test.ts; this file runs the
 * attacks against /proctor too, adds a tampered payload under a real signature and the crossing of
 * namespaces, and checks that forged tokens leave an audit row.
 */
let env: TestEnv;
let node: TestNode;
const opened = new Opened();

beforeAll(async () => {
  env = await createTestEnv();
  node = await opened.node(env.config);
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

const secret = () => new TextEncoder().encode(env.config.TOKEN_SECRET);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inAMinute = () => Math.floor(Date.now() / 1000) + 60;

type Namespace = 'candidate' | 'proctor';
const claimsFor = (ns: Namespace): Record<string, unknown> =>
  ns === 'candidate' ? { sit: env.seeded.sittingId } : { sit: env.seeded.sittingId, role: 'admin', districts: [], centers: [] };

function sign(ns: Namespace, opts: { aud?: string; exp?: number; key?: Uint8Array; sub?: string } = {}): Promise<string> {
  return new SignJWT(claimsFor(ns))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub ?? (ns === 'candidate' ? env.seeded.candidateIds[0]! : 'p-attacker'))
    .setIssuer(TOKEN_ISSUER)
    .setAudience(opts.aud ?? TOKEN_AUDIENCE[ns])
    .setExpirationTime(opts.exp ?? inAMinute())
    .sign(opts.key ?? secret());
}

/** A genuine token whose payload was swapped afterwards (another subject, admin role), keeping the signature. */
async function tampered(ns: Namespace): Promise<string> {
  const [header, , signature] = (await sign(ns)).split('.');
  const forged = { ...claimsFor(ns), sub: ns === 'candidate' ? env.seeded.candidateIds[1] : 'p-victim-admin', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE[ns], exp: inAMinute() };
  return `${header}.${b64(forged)}.${signature}`;
}

function algNone(ns: Namespace): string {
  const body = { ...claimsFor(ns), sub: 'anyone', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE[ns], exp: inAMinute() };
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(body)}.`;
}

const open = (ns: Namespace, token: string) => opened.socket(ns === 'candidate' ? rawConnect(node.port, token) : rawProctor(node.port, token));

describe('forged, expired and misdirected tokens are refused at the handshake', () => {
  const attacks: [string, Namespace, () => Promise<string> | string, ProtocolError['code']][] = [
    ['a tampered payload under a genuine signature', 'candidate', () => tampered('candidate'), 'AUTH_INVALID'],
    ['a tampered payload under a genuine signature', 'proctor', () => tampered('proctor'), 'AUTH_INVALID'],
    ['an expired token', 'proctor', () => sign('proctor', { exp: Math.floor(Date.now() / 1000) - 5 }), 'AUTH_EXPIRED'],
    ['alg none', 'proctor', () => algNone('proctor'), 'AUTH_INVALID'],
    ['a token signed with another secret', 'proctor', () => sign('proctor', { key: new TextEncoder().encode('not-the-server-secret-not-the-server-secret') }), 'AUTH_INVALID'],
    ['a token for another audience', 'proctor', () => sign('proctor', { aud: 'someone-else' }), 'AUTH_INVALID'],
    ['a genuine candidate token', 'proctor', () => tokenFor(env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId), 'AUTH_INVALID'],
    ['a genuine proctor token', 'candidate', () => proctorTokenFor(env.config, 'p1', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] }), 'AUTH_INVALID'],
  ];

  it.each(attacks)('%s on /%s', async (_name, ns, makeToken, code) => {
    const refused = await connectRefusal(open(ns, await makeToken()));
    expect(refused.data).toMatchObject({ code, retryable: false });
  });

  it('the genuine tokens the attacks were made from do connect (the refusals are about the forgery)', async () => {
    await connected(open('candidate', await sign('candidate')));
    await connected(open('proctor', await sign('proctor')));
  });

  it('a forged token leaves an audit row naming the address, not a row per try', async () => {
    for (let i = 0; i < 5; i++) await connectRefusal(open('proctor', algNone('proctor')));
    const row = await auditRow(env, 'security.auth_invalid', 'address:127.0.0.1');
    expect(row.details).toMatchObject({ namespace: expect.stringMatching(/^\/(candidate|proctor)$/) });
    const rows = await env.sql.unsafe('SELECT count(*)::int AS n FROM audit_log WHERE action = $1', ['security.auth_invalid']);
    expect(rows[0]!.n).toBe(1); // every forgery above came from this address within one window
  });
});

describe('browser origins (ALLOWED_ORIGINS from the node environment)', () => {
  const ALLOWED = 'https://exam.example.org';
  let port: number;
  let child: ReturnType<typeof spawnRole>;

  beforeAll(async () => {
    port = await freePort();
    child = spawnRole('gateway', envFor(env.config, { PORT: String(port), ALLOWED_ORIGINS: ALLOWED, GATEWAY_ID: `${env.config.GATEWAY_ID}-origins` }));
    opened.onClose(async () => {
      child.kill('SIGTERM');
      await exited(child);
    });
    await waitReady(port);
  });

  /** The HTTP status and body a WebSocket upgrade from this origin gets. */
  function upgrade(origin: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, { headers: { Origin: origin } });
      ws.once('open', () => {
        ws.close();
        resolve({ status: 101, body: '' });
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('error', (err) => reject(err));
    });
  }

  it('refuses a foreign origin with ORIGIN_NOT_ALLOWED over both transports, and lets the allowed one in', async () => {
    const ws = await upgrade('https://evil.example');
    expect(ws.status).toBe(403);
    expect(JSON.parse(ws.body)).toMatchObject({ message: 'ORIGIN_NOT_ALLOWED' });
    const polling = await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example' } });
    expect(polling.status).toBe(403);
    expect(await polling.json()).toMatchObject({ message: 'ORIGIN_NOT_ALLOWED' });
    // the defaults (localhost:8080) were replaced by the environment's list
    expect((await upgrade('http://localhost:8080')).status).toBe(403);
    expect((await upgrade(ALLOWED)).status).toBe(101);

    const token = await tokenFor(env.config, env.seeded.candidateIds[2]!, env.seeded.sittingId);
    const evil = opened.socket(io(`http://127.0.0.1:${port}${NAMESPACES.candidate}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, extraHeaders: { Origin: 'https://evil.example' } }));
    await expect(connected(evil)).rejects.toThrow();
    const good = opened.socket(io(`http://127.0.0.1:${port}${NAMESPACES.candidate}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, extraHeaders: { Origin: ALLOWED } }));
    await connected(good);
  });

  it('audits refused origins once per address and window', async () => {
    const row = await auditRow(env, 'security.origin_not_allowed', 'address:127.0.0.1');
    expect(row.details).toMatchObject({ origin: expect.stringMatching(/evil\.example|localhost:8080/) });
  });
});
