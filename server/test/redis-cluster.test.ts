import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExamClient, MemoryOutboxStorage, ProctorClient } from '@examhall/client-sdk';
import { EVENTS, NAMESPACES, SIGN_IN_PATH, attemptRoom, randomAnswer, type AttemptUpdated, type PaperQuestion, type ProctorMessage } from '@examhall/shared';
import { createTestEnv, waitFor, type TestEnv } from './helpers/env.js';
import { proctorTokenFor, startTestNode, tokenFor, type TestNode } from './helpers/node.js';
import { connectRefusal, connected, rawConnect, rawEmit, rawJoin } from './helpers/raw-client.js';
import { envFor, exitStatus, freePort, spawnRole, waitReady } from './helpers/processes.js';
import { findBinary } from './helpers/proxies.js';
import { startRedisCluster, type LocalRedisCluster } from './helpers/redis-cluster.js';
import { issueAccessCodes } from '../src/auth/access-codes.js';
import { ANSWER_QUEUE } from '../src/answers/queue.js';
import { DEADLINE_QUEUE } from '../src/attempts/deadline-jobs.js';
import { adapterKey } from '../src/gateway/adapter-key.js';
import { connectRedis, queuePrefix } from '../src/store/redis.js';
import { TokenRevoker, revocationKeys } from '../src/auth/revocations.js';
import { createLogger } from '../src/observability/logger.js';

/**
 * Redis Cluster mode (REDIS_CLUSTER_NODES) against a real 3-master cluster of Debian's redis-server,
 * started here on free ports: gateway A (this process, also the workers) and gateway B (a separate
 * process, as two uWS gateways in one process do not share room broadcasts). A candidate signs in
 * and answers on B: its answers are queued, committed by the BullMQ worker (queue keys in the
 * cluster) and acknowledged through the sharded adapter; a proctor on A sees it live, and its
 * message and extension reach the candidate on B. The keys and shard channels are where their hash
 * slots say, on more than one node. Skipped where redis-server is missing, unless REQUIRE_CLUSTER_TESTS=1.
 */
const REDIS_SERVER = findBinary('redis-server');
const REDIS_CLI = findBinary('redis-cli');
const available = Boolean(REDIS_SERVER && REDIS_CLI);
if (!available && process.env.REQUIRE_CLUSTER_TESTS === '1') throw new Error('redis-server or redis-cli not found, and REQUIRE_CLUSTER_TESTS=1 (CI) forbids skipping');
if (!available) process.stderr.write('redis-cluster.test.ts: redis-server or redis-cli not found, skipped (apt-get install redis-server)\n');

const CANDIDATE = 'cand-000001';
let cluster: LocalRedisCluster | undefined;
let env: TestEnv | undefined;
let nodeA: TestNode | undefined;
let gatewayB: ChildProcess | undefined;
let portB = 0;
let prefix = '';
const closers: (() => unknown)[] = [];

let slotRanges: [from: number, to: number, master: [host: string, port: number, id: string]][] | undefined;

/** the port of the master that owns this key's (or channel's) hash slot */
async function ownerOf(key: string): Promise<number> {
  slotRanges ??= JSON.parse(await cluster!.cli(cluster!.ports[0]!, '--json', 'cluster', 'slots')) as NonNullable<typeof slotRanges>;
  const slot = Number(await cluster!.cli(cluster!.ports[0]!, 'cluster', 'keyslot', key));
  return slotRanges.find(([from, to]) => slot >= from && slot <= to)![2][1];
}

/** A prefix whose two queues, and whose two namespaces' main channels, land on different masters: the spread is then certain, not likely. */
async function spreadPrefix(): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const p = `t-${randomBytes(5).toString('hex')}`;
    const config = { REDIS_PREFIX: p, REDIS_CLUSTER_NODES: cluster!.nodes };
    const channel = (nsp: string) => `${adapterKey(config)}#${nsp}#`;
    const [answers, deadlines] = [await ownerOf(queuePrefix(config, ANSWER_QUEUE)), await ownerOf(queuePrefix(config, DEADLINE_QUEUE))];
    const [candidates, proctors] = [await ownerOf(channel(NAMESPACES.candidate)), await ownerOf(channel(NAMESPACES.proctor))];
    if (answers !== deadlines && candidates !== proctors) return p;
  }
  throw new Error('no prefix spreads over the cluster');
}

describe.skipIf(!available)('Redis Cluster mode', () => {
  beforeAll(async () => {
    cluster = await startRedisCluster(REDIS_SERVER!, REDIS_CLI!);
    prefix = await spreadPrefix();
    env = await createTestEnv({ REDIS_CLUSTER_NODES: cluster.nodes, REDIS_PREFIX: prefix, PROCTOR_FEED_INTERVAL_MS: 100 });
    portB = await freePort();
    // no web pages: not needed, and another test run may be rebuilding client-sdk/dist/web
    const noWeb = join(tmpdir(), `examhall-no-web-${process.pid}`);
    gatewayB = spawnRole('gateway', envFor(env.config, { PORT: String(portB), GATEWAY_ID: `${env.config.GATEWAY_ID}-b`, WEB_DIST: noWeb }));
    nodeA = await startTestNode(env.config, 'all', { WEB_DIST: noWeb });
    await waitReady(portB);
  });
  afterAll(async () => {
    // every step runs even if the tests or an earlier step failed: no redis-server, child or temp folder is left behind
    for (const close of closers.reverse()) await Promise.resolve().then(close).catch(() => undefined);
    if (gatewayB && gatewayB.exitCode === null && gatewayB.signalCode === null) gatewayB.kill('SIGKILL');
    if (gatewayB) await exitStatus(gatewayB);
    await nodeA?.close().catch(() => undefined);
    await env?.cleanup().catch(() => undefined);
    await cluster?.stop();
  });

  let candidate: ExamClient;
  let attemptId = '';
  let questions: PaperQuestion[] = [];
  const committed: number[] = [];
  const messages: ProctorMessage[] = [];
  const updates: AttemptUpdated[] = [];

  it('signs a candidate in on gateway B, and commits its answers through the cluster queue', async () => {
    const [issued] = await issueAccessCodes(env!.sql, env!.seeded.sittingId, [CANDIDATE]);
    const signIn = await fetch(`http://127.0.0.1:${portB}${SIGN_IN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sittingId: env!.seeded.sittingId, candidateId: CANDIDATE, accessCode: issued!.accessCode }),
    });
    expect(signIn.status).toBe(200);
    const { token } = (await signIn.json()) as { token: string };

    candidate = new ExamClient({ url: `http://127.0.0.1:${portB}`, token, storage: new MemoryOutboxStorage() });
    closers.push(() => candidate.close());
    const queued: number[] = [];
    candidate.on('queued', ({ seq }) => queued.push(seq));
    candidate.on('committed', ({ seq }) => committed.push(seq));
    candidate.on('message', (m) => messages.push(m));
    candidate.on('updated', (u) => updates.push(u));
    await candidate.connect();
    const joined = await candidate.join();
    attemptId = joined.attemptId;
    questions = joined.paper!.questions.slice(0, 3);
    const sent = [];
    for (const q of questions) sent.push(await candidate.saveAnswer(q.id, randomAnswer(q)));
    await candidate.waitUntilDrained(15_000);
    expect(candidate.pendingCount()).toBe(0);
    expect(queued.length).toBeGreaterThanOrEqual(3);
    expect(committed.length).toBeGreaterThanOrEqual(3);
    const rows = await env!.sql.unsafe<{ question_id: string; seq: number }[]>('SELECT question_id, seq FROM answers WHERE attempt_id = $1', [attemptId]);
    expect(new Map(rows.map((r) => [r.question_id, r.seq]))).toEqual(new Map(sent.map((s, i) => [questions[i]!.id, s.seq])));
  });

  it('shows the candidate live to a proctor on gateway A, whose message, extension and lock reach gateway B', async () => {
    const token = await proctorTokenFor(env!.config, 'p-cluster', { sittingId: env!.seeded.sittingId, role: 'admin', centers: [], districts: [] });
    const proctor = new ProctorClient({ url: `http://127.0.0.1:${nodeA!.port}`, token });
    closers.push(() => proctor.close());
    // the feed lines of test 1 are kept in the center's list (a key per center: the lists may sit on different nodes)
    const [row] = await env!.sql.unsafe<{ center_id: string }[]>('SELECT center_id FROM candidates WHERE id = $1', [CANDIDATE]);
    const history = `${prefix}:feed:${env!.seeded.sittingId}:${row!.center_id}`;
    const historyOwner = await ownerOf(history);
    // the saves' lines, not just the connect line: they come after the worker's commit, batched
    await waitFor(async () => (await cluster!.cli(historyOwner, 'lrange', history, '0', '-1')).includes('"saved"'), 10_000, 'the saves in the feed history in the cluster');
    // gateway B writes presence to Postgres in batches: the snapshot reads it from there
    await waitFor(async () => (await env!.sql.unsafe('SELECT 1 FROM presence WHERE attempt_id = $1 AND online', [attemptId])).length > 0, 5000, 'online presence');
    await proctor.connect();
    const snapshot = await proctor.watch();
    expect(snapshot.rows.find((r) => r.candidateId === CANDIDATE)).toMatchObject({ online: true, attemptId });
    // read back for the snapshot over every center of the sitting, across the nodes
    expect(snapshot.feed.some((line) => line.candidateId === CANDIDATE && line.kind === 'saved')).toBe(true);

    // a save on B → the worker commits it → its feed line reaches the proctor on A
    const savedAt = Date.now();
    await candidate.saveAnswer(questions[0]!.id, randomAnswer(questions[0]!));
    await waitFor(() => (proctor.row(CANDIDATE)?.lastSaveAt ?? 0) >= savedAt, 10_000, 'the live lastSaveAt patch on the proctor');
    expect(proctor.feed.some((line) => line.candidateId === CANDIDATE && line.kind === 'saved' && line.at >= savedAt)).toBe(true);

    const target = { candidates: [CANDIDATE] };
    expect(await proctor.act({ kind: 'message', target, text: 'Hello from another gateway' })).toMatchObject({ applied: 1 });
    await waitFor(() => messages.some((m) => m.text === 'Hello from another gateway'), 10_000, 'the proctor message on the candidate');
    const before = candidate.deadline ?? 0;
    expect(await proctor.act({ kind: 'extend', target, seconds: 600, reason: 'cluster test' })).toMatchObject({ applied: 1 });
    await waitFor(() => updates.some((u) => u.reason === 'extended'), 10_000, 'the extension on the candidate');
    expect(updates.find((u) => u.reason === 'extended')!.deadline).toBeGreaterThanOrEqual(before + 600_000);
    await waitFor(() => proctor.row(CANDIDATE)?.deadline === updates.find((u) => u.reason === 'extended')!.deadline, 10_000, 'the extension on the proctor');

    // a lock reaches gateway B twice: to the attempt's room (its channel) and as a server-side
    // notice (the namespace's main channel) that makes B itself refuse the attempt's answers
    const other = 'cand-000002';
    const socket = rawConnect(portB, await tokenFor(env!.config, other, env!.seeded.sittingId));
    closers.push(() => socket.disconnect());
    const otherUpdates: AttemptUpdated[] = [];
    socket.on(EVENTS.attemptUpdated, (u: AttemptUpdated) => otherUpdates.push(u));
    await connected(socket);
    const { attemptId: otherAttempt } = await rawJoin(socket);
    expect(await proctor.act({ kind: 'lock', target: { candidates: [other] }, reason: 'cluster test' })).toMatchObject({ applied: 1 });
    await waitFor(() => otherUpdates.some((u) => u.reason === 'locked'), 10_000, 'the lock on the candidate');
    let seq = 0;
    await waitFor(async () => {
      const ack = await rawEmit(socket, EVENTS.answerSave, { attemptId: otherAttempt, questionId: 'q04', seq: ++seq, value: { kind: 'numeric', value: seq } });
      return !ack.ok && ack.error.code === 'ATTEMPT_LOCKED';
    }, 10_000, 'gateway B refusing answers of the locked attempt');
  });

  it('keeps every queue in its own hash slot, and spreads keys and shard channels over the nodes', async () => {
    const keysOn = new Map<number, string[]>();
    const channelsOn = new Map<number, string[]>();
    for (const port of cluster!.ports) {
      keysOn.set(port, (await cluster!.cli(port, '--scan', '--pattern', `*${prefix}*`)).split('\n').filter(Boolean));
      channelsOn.set(port, (await cluster!.cli(port, 'pubsub', 'shardchannels', `${prefix}*`)).split('\n').filter(Boolean));
    }
    const where = (map: Map<number, string[]>, test: (name: string) => boolean) => [...map].filter(([, names]) => names.some(test)).map(([port]) => port);

    // BullMQ: all of a queue's keys on the master owning its tag; the two queues on different masters
    for (const queue of [ANSWER_QUEUE, DEADLINE_QUEUE]) {
      const tag = queuePrefix(env!.config, queue);
      expect(tag).toBe(`{${prefix}:${queue}}`);
      expect(where(keysOn, (k) => k.startsWith(`${tag}:${queue}:`))).toEqual([await ownerOf(tag)]);
    }
    expect(await ownerOf(queuePrefix(env!.config, ANSWER_QUEUE))).not.toBe(await ownerOf(queuePrefix(env!.config, DEADLINE_QUEUE)));

    // the sharded adapter: each channel is subscribed on the master owning its slot
    const channels = [...channelsOn.values()].flat();
    const main = (nsp: string) => `${adapterKey(env!.config)}#${nsp}#`;
    const room = `${main(NAMESPACES.candidate)}${attemptRoom(attemptId)}#`;
    for (const channel of [main(NAMESPACES.candidate), main(NAMESPACES.proctor), room]) {
      expect(channels).toContain(channel);
      expect(where(channelsOn, (c) => c === channel)).toEqual([await ownerOf(channel)]);
    }
    expect(where(channelsOn, () => true).length).toBeGreaterThanOrEqual(2);
    expect(where(keysOn, () => true).length).toBeGreaterThanOrEqual(2);
  });

  it("revokes a candidate's tokens: its socket on gateway B is closed (the notice crosses the sharded adapter) and A refuses the token", async () => {
    const revoked = 'cand-000003';
    const token = await tokenFor(env!.config, revoked, env!.seeded.sittingId);
    const socket = rawConnect(portB, token);
    closers.push(() => socket.disconnect());
    await connected(socket);
    await rawJoin(socket);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    const redis = connectRedis(env!.config, { maxRetriesPerRequest: 1 });
    closers.push(() => redis.disconnect());
    await new TokenRevoker({ sql: env!.sql, redis, config: env!.config, logger: createLogger(env!.config, 'test') }).revoke({ candidateId: revoked, sittingId: env!.seeded.sittingId }, 'cluster-test');
    expect(await closed).toBe('io server disconnect');
    const again = rawConnect(nodeA!.port, token);
    closers.push(() => again.disconnect());
    expect((await connectRefusal(again)).data?.code).toBe('TOKEN_REVOKED');
    // the mirror's keys share one hash tag: a handshake's MGET is one command on one master
    const keys = revocationKeys(env!.config);
    expect(await ownerOf(keys.candidate(env!.seeded.sittingId, revoked))).toBe(await ownerOf(keys.loaded));
  });
});
