import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestEnv, waitFor, type TestEnv } from '../helpers/env.js';
import { exitStatus } from '../helpers/processes.js';
import { spawnLogged, type LoggedProcess } from './logged-node.js';

/**
 * The fuzzing tests' oracle: a server process that meets an unhandled rejection or an uncaught
 * exception says so in its log, and LoggedProcess.problems() picks those lines up.
 */
const probe = join(dirname(fileURLToPath(import.meta.url)), 'error-probe.ts');
let env: TestEnv;
let node: LoggedProcess;

beforeAll(async () => {
  env = await createTestEnv({}, { candidates: 1 });
  node = await spawnLogged(env.config, 'gateway', {}, probe);
}, 60_000);
afterAll(async () => {
  await node?.stop();
  await env?.cleanup();
});

describe('unhandled errors in a server process', () => {
  it('an unhandled rejection is logged and the process keeps serving', async () => {
    node.child.send('reject');
    const line = await waitFor(() => node.lines.find((l) => l.includes('unhandled rejection')), 15_000, 'the rejection to be logged');
    expect(line).toContain('probe: a rejection nobody handles');
    expect(node.problems()).toContain(line);
    expect((await fetch(`http://127.0.0.1:${node.port}/healthz`)).status).toBe(200);
  });

  it('an uncaught exception is logged, then the process exits', async () => {
    node.child.send('throw');
    const { code } = await exitStatus(node.child);
    expect(code).not.toBe(0);
    const line = node.lines.find((l) => l.includes('uncaught exception'));
    expect(line).toContain('probe: an exception nobody catches');
    expect(node.problems()).toContain(line);
  });
});
