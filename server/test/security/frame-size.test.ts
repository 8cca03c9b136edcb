import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { EVENTS } from '@examhall/shared';
import { createTestEnv, type TestEnv } from '../helpers/env.js';
import { proctorTokenFor, tokenFor, type TestNode } from '../helpers/node.js';
import { connected, rawConnect, rawEmit, rawJoin, rawProctor } from '../helpers/raw-client.js';
import { Opened, disconnection, joinedCandidate, watchingProctor } from './helpers.js';

/**
 * Frames above MAX_FRAME_BYTES cut the connection that sent them (uWS and engine.io drop it before
 * any parsing, so no coded reply is possible), on both transports and both namespaces, while the
 * gateway keeps serving everyone else. (gateway.test.ts has the single-socket case.)
 */
let env: TestEnv;
let node: TestNode;
const opened = new Opened();
const LIMIT = 4096;

beforeAll(async () => {
  env = await createTestEnv();
  node = await opened.node(env.config, 'all', { MAX_FRAME_BYTES: LIMIT });
});
afterAll(async () => {
  await opened.close();
  await env?.cleanup();
});

describe('frames above MAX_FRAME_BYTES', () => {
  it('cut only the sender, over websocket and polling, on /candidate and /proctor', async () => {
    const bystander = await joinedCandidate(opened, node.port, env.config, env.seeded.candidateIds[0]!, env.seeded.sittingId);
    const proctor = await watchingProctor(opened, node.port, env.config, 'p1', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] });
    const question = bystander.reply.paper!.questions.find((q) => q.type === 'numeric')!.id;
    let seq = 0;
    const bystanderSaves = async () => {
      const ack = await rawEmit(bystander.socket, EVENTS.answerSave, { attemptId: bystander.attemptId, questionId: question, seq: ++seq, value: { kind: 'numeric', value: seq } });
      expect(ack).toMatchObject({ ok: true });
    };
    await bystanderSaves();

    const attacks: { name: string; open: () => Promise<Socket>; bytes: number }[] = [
      { name: 'websocket, just over', bytes: LIMIT + 100, open: async () => opened.socket(rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[1]!, env.seeded.sittingId))) },
      { name: 'websocket, 1 MB', bytes: 1_000_000, open: async () => opened.socket(rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[2]!, env.seeded.sittingId))) },
      {
        name: 'polling',
        bytes: LIMIT * 4,
        open: async () => opened.socket(rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[3]!, env.seeded.sittingId), { transports: ['polling'] })),
      },
      {
        name: 'proctor namespace',
        bytes: LIMIT * 2,
        open: async () => opened.socket(rawProctor(node.port, await proctorTokenFor(env.config, 'p2', { sittingId: env.seeded.sittingId, role: 'admin', districts: [], centers: [] }))),
      },
    ];
    for (const attack of attacks) {
      const s = await attack.open();
      await connected(s);
      const cut = disconnection(s);
      s.emit(EVENTS.answerSave, { attemptId: bystander.attemptId, questionId: 'q05', seq: 1, value: { kind: 'text', text: 'x'.repeat(attack.bytes) } }, () => {});
      expect(await cut, attack.name).toMatch(/transport (close|error)/);
      // everyone else carries on, at once
      await bystanderSaves();
      expect(await rawEmit(proctor, EVENTS.timeSync, { clientSentAt: 1 }), attack.name).toMatchObject({ ok: true });
    }
    expect(bystander.socket.connected).toBe(true);
    expect(proctor.connected).toBe(true);

    // a frame just under the limit is an ordinary frame (refused by its schema, the socket stays)
    const honest = opened.socket(rawConnect(node.port, await tokenFor(env.config, env.seeded.candidateIds[1]!, env.seeded.sittingId)));
    await connected(honest);
    const { attemptId } = await rawJoin(honest);
    const nearLimit = await rawEmit(honest, EVENTS.answerSave, { attemptId, questionId: 'q05', seq: 1, value: { kind: 'text', text: 'y'.repeat(LIMIT - 200) } });
    expect(nearLimit).toMatchObject({ ok: true });
    expect(honest.connected).toBe(true);
  });
});
